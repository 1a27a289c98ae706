"""The risk heat map's geometry: rows, columns, colour bands and suppressed cells."""

from portal.domain.heatmap import BANDS, CELL_WIDTH, HEADER_HEIGHT, band_of, build, chapter_order

NAMES = {"BD": "Bangladesh", "TR": "Türkiye", "KY": "Cayman Islands"}


def cell(country: str, chapter: str, rate: float | None = 0.5, factories: int | None = 10, suppressed: bool = False):
    return {"country": country, "chapter": chapter, "chapter_title": f"Title {chapter}",
            "factories": None if suppressed else factories,
            "nonconforming_factories": None if suppressed else (round(rate * factories) if rate is not None else None),
            "nonconformity_rate": None if suppressed else rate, "suppressed": suppressed}


def test_chapters_follow_the_questionnaire_social_before_environmental_and_by_number():
    assert sorted(["E1", "S10", "S2", "S1", "E8"], key=chapter_order) == ["S1", "S2", "S10", "E1", "E8"]


def test_rows_are_countries_sorted_by_their_name_and_columns_chapters():
    heat = build([cell("TR", "S2"), cell("BD", "S1"), cell("KY", "S1"), cell("BD", "S2")], NAMES.get)

    assert [row.label for row in heat.rows] == ["Bangladesh", "Cayman Islands", "Türkiye"]
    assert [column.chapter for column in heat.columns] == ["S1", "S2"]
    assert len(heat.cells) == 6
    assert heat.width == heat.label_width + 2 * CELL_WIDTH


def test_cells_sit_in_their_row_and_column():
    heat = build([cell("BD", "S1"), cell("BD", "S2"), cell("TR", "S1"), cell("TR", "S2")], NAMES.get)

    second_row = heat.grid[1][1]
    assert [c.country for c in second_row] == ["TR", "TR"]
    assert second_row[1].x == heat.label_width + CELL_WIDTH
    assert second_row[0].y > heat.grid[0][1][0].y >= HEADER_HEIGHT


def test_a_suppressed_cell_has_no_value_and_no_colour_band():
    heat = build([cell("KY", "S1", suppressed=True), cell("BD", "S1", rate=0.9)], NAMES.get)

    suppressed = next(c for c in heat.cells if c.country == "KY")
    assert suppressed.suppressed and suppressed.percent is None and suppressed.band is None
    assert suppressed.factories is None and suppressed.nonconforming is None
    assert heat.suppressed_count == 1


def test_a_missing_combination_is_drawn_as_no_data_not_as_zero():
    heat = build([cell("BD", "S1"), cell("TR", "S2")], NAMES.get)

    missing = heat.grid[0][1][1]
    assert (missing.country, missing.chapter) == ("BD", "S2")
    assert missing.percent is None and not missing.suppressed


def test_shares_fall_in_five_bands_of_twenty_points_with_readable_text():
    assert [band_of(p).index for p in (0, 19.9, 20, 59, 80, 100)] == [0, 0, 1, 2, 4, 4]
    heat = build([cell("BD", "S1", rate=0.408)], NAMES.get)
    assert heat.cells[0].percent == 40.8 and heat.cells[0].band is BANDS[2]
    assert {band.ink for band in BANDS[3:]} == {"#ffffff"}


def test_no_cells_make_an_empty_map():
    assert build([]).is_empty
