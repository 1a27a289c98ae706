"""The profile form's mapping, the upload rules and the catalogs, all pure."""

from __future__ import annotations

from portal import catalogs
from portal.domain.evidence_rules import refusal
from portal.domain.profile_form import field_errors, form_values, profile_body, row_count


def test_filled_rows_become_the_body_and_blank_rows_are_skipped() -> None:
    form = {"workforce-female": "10", "workforce-male": "5", "workforce-permanent": "15",
            "buildings-0-name": "Main hall", "buildings-0-use": "production", "buildings-0-floors": "3",
            "buildings-1-name": "", "buildings-1-use": "production", "processes-0-name": "",
            "processes-0-kind": "internal", "dormitories-provided": "no"}
    body = profile_body(form)
    assert body["workforce"]["female"] == 10 and body["workforce"]["under_18"] == 0
    assert body["buildings"] == [{"name": "Main hall", "use": "production", "floors": 3}]
    assert body["processes"] == [] and body["certifications"] == []
    assert body["dormitories"] == {"provided": False, "buildings": 0, "residents": 0}


def test_text_in_a_number_field_goes_to_the_registry_to_be_refused_with_its_message() -> None:
    assert profile_body({"workforce-female": "ten"})["workforce"]["female"] == "ten"


def test_a_profile_round_trips_through_the_form_with_one_blank_row() -> None:
    profile = {"workforce": {"female": 3, "male": 2}, "buildings": [{"name": "A", "use": "office", "floors": 1}],
               "dormitories": {"provided": True, "buildings": 1, "residents": 40}}
    values = form_values(profile)
    assert values["buildings-0-name"] == "A" and values["dormitories-provided"] == "yes"
    assert row_count(values, "buildings") == 2 and row_count(values, "processes") == 1


def test_registry_errors_land_next_to_their_fields() -> None:
    by_field, general = field_errors([
        {"field": "body.workforce.female", "message": "must be a whole number"},
        {"field": "body.buildings.0.floors", "message": "at least 1"},
        {"field": "body.workforce", "message": "the breakdowns must add up"},
    ])
    assert by_field == {"workforce-female": "must be a whole number", "buildings-0-floors": "at least 1"}
    assert general == ["workforce: the breakdowns must add up"]


def test_files_are_refused_for_type_size_and_emptiness_before_sending() -> None:
    mb = 1024 * 1024
    assert refusal("evidence.pdf", "application/pdf", 2 * mb, 25 * mb) is None
    assert refusal("photo.JPG", "", 10, 25 * mb) is None
    assert refusal("script.exe", "application/octet-stream", 10, 25 * mb) == "type"
    assert refusal("scan.pdf", "application/pdf", 26 * mb, 25 * mb) == "size"
    assert refusal("", None, 0, 25 * mb) == "empty"


def test_the_template_catalog_holds_every_text_of_the_pages() -> None:
    extracted = {m.id for m in catalogs.extract() if m.id}
    committed = catalogs.read_catalog("fr")
    assert committed is not None
    stale = extracted - {m.id for m in committed if m.id}
    assert not stale, f"run `python -m portal.catalogs update`: {sorted(map(str, stale))[:5]}"


def test_french_is_complete_and_chinese_and_bengali_cover_the_factory_pages() -> None:
    template = catalogs.extract()
    assert catalogs.missing(template, "fr", only_factory=False) == []
    assert catalogs.missing(template, "zh_Hans", only_factory=True) == []
    assert catalogs.missing(template, "bn", only_factory=True) == []


def test_every_translation_keeps_the_placeholders_of_its_source() -> None:
    import re

    from babel.messages.checkers import python_format

    braces = re.compile(r"\{\w+\}")
    for code in ("fr", "zh_Hans", "bn"):
        catalog = catalogs.read_catalog(code)
        assert catalog is not None
        for message in catalog:
            if not message.id or not message.string:
                continue
            if message.python_format:
                python_format(catalog, message)  # raises on a placeholder lost or renamed
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in texts:
                assert set(braces.findall(text)) == set(braces.findall(sources[0])), (code, message.id)
