"""The geometry of the risk heat map (country x chapter), drawn as SVG by a template. Pure: no I/O.

A cell's value is the share of audited sites in a country with at least one non-conformity in a
chapter. Cells the audit service suppressed (too few sites to show without revealing one) stay
suppressed here: no value, no colour band, drawn hatched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# ColorBrewer OrRd, one hue getting darker: readable for colour-blind people and in greyscale.
# Each band names the text colour that keeps a contrast of at least 4.5:1 on its fill.
DARK_INK = "#1b1f24"
LIGHT_INK = "#ffffff"
BAND_FILLS = (("#fef0d9", DARK_INK), ("#fdcc8a", DARK_INK), ("#fc8d59", DARK_INK), ("#d7301f", LIGHT_INK),
              ("#7f0000", LIGHT_INK))
SUPPRESSED_FILL = "#eceef1"
SUPPRESSED_STROKE = "#6b7480"
NO_DATA_FILL = "#ffffff"

CELL_WIDTH = 42
CELL_HEIGHT = 26
GAP = 2
HEADER_HEIGHT = 26
CHAR_WIDTH = 7  # an estimate at the map's 12px labels, enough to keep row labels clear of the cells
LABEL_PADDING = 12
MIN_LABEL_WIDTH = 60
MAX_LABEL_WIDTH = 190


@dataclass(frozen=True)
class Band:
    """One step of the colour scale: values from lower (inclusive) to upper (exclusive; 100 inclusive)."""

    index: int
    lower: int
    upper: int
    fill: str
    ink: str


BANDS = tuple(Band(i, i * 20, (i + 1) * 20, fill, ink) for i, (fill, ink) in enumerate(BAND_FILLS))


def band_of(percent: float) -> Band:
    """The colour band of a share given as 0-100."""
    return BANDS[min(max(int(percent // 20), 0), len(BANDS) - 1)]


@dataclass(frozen=True)
class Column:
    chapter: str
    title: str
    x: float  # centre of the column, for its header text


@dataclass(frozen=True)
class Row:
    country: str
    label: str
    y: float  # baseline of the row label


@dataclass(frozen=True)
class Cell:
    country: str
    country_label: str
    chapter: str
    chapter_title: str
    x: float
    y: float
    width: float
    height: float
    suppressed: bool
    percent: float | None  # 0-100; None when suppressed or when no site was audited
    factories: int | None
    nonconforming: int | None

    @property
    def band(self) -> Band | None:
        return band_of(self.percent) if self.percent is not None else None

    @property
    def fill(self) -> str:
        if self.suppressed:
            return SUPPRESSED_FILL
        band = self.band
        return band.fill if band else NO_DATA_FILL

    @property
    def ink(self) -> str:
        band = self.band
        return band.ink if band else DARK_INK

    @property
    def on_dark(self) -> bool:
        """The label needs light text (the fill is one of the dark bands)."""
        band = self.band
        return band is not None and band.ink == LIGHT_INK

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class HeatMap:
    width: float
    height: float
    label_width: float
    columns: list[Column]
    rows: list[Row]
    cells: list[Cell]

    @property
    def suppressed_count(self) -> int:
        return sum(1 for cell in self.cells if cell.suppressed)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def grid(self) -> list[tuple[Row, list[Cell]]]:
        """Each row with its cells in column order (the data table beside the picture reads it)."""
        width = len(self.columns)
        return [(row, self.cells[i * width:(i + 1) * width]) for i, row in enumerate(self.rows)]


def chapter_order(chapter: str) -> tuple:
    """Social chapters before environmental ones, then by number: S1, S2, ... S9, S10, E1, ..."""
    match = re.fullmatch(r"([A-Za-z]*)(\d*)(.*)", chapter)
    prefix, number, rest = match.groups() if match else (chapter, "", "")
    pillar = {"S": 0, "E": 1}.get(prefix.upper(), 2)
    return (pillar, prefix, int(number) if number else -1, rest)


def build(cells: Iterable[dict], country_label: Callable[[str], str] = str) -> HeatMap:
    """Lay out the risk cells (as GET /audits/risk/... answer them): one row per country, sorted by its
    label, one column per chapter in questionnaire order. Missing combinations are drawn as "no data"."""
    cells = list(cells)
    titles: dict[str, str] = {}
    for cell in cells:
        titles.setdefault(cell["chapter"], cell.get("chapter_title") or cell["chapter"])
    chapters = sorted(titles, key=chapter_order)
    countries = sorted({cell["country"] for cell in cells}, key=lambda code: (country_label(code).casefold(), code))
    labels = {code: country_label(code) for code in countries}
    longest = max((len(label) for label in labels.values()), default=0)
    label_width = min(max(MIN_LABEL_WIDTH, LABEL_PADDING + CHAR_WIDTH * longest), MAX_LABEL_WIDTH)

    by_key = {(cell["country"], cell["chapter"]): cell for cell in cells}
    columns = [Column(chapter, titles[chapter], label_width + i * CELL_WIDTH + (CELL_WIDTH - GAP) / 2)
               for i, chapter in enumerate(chapters)]
    rows: list[Row] = []
    laid_out: list[Cell] = []
    for r, country in enumerate(countries):
        top = HEADER_HEIGHT + r * CELL_HEIGHT
        rows.append(Row(country, labels[country], top + (CELL_HEIGHT - GAP) / 2))
        for c, chapter in enumerate(chapters):
            source = by_key.get((country, chapter), {})
            suppressed = bool(source.get("suppressed"))
            rate = source.get("nonconformity_rate")
            laid_out.append(Cell(
                country=country, country_label=labels[country], chapter=chapter, chapter_title=titles[chapter],
                x=label_width + c * CELL_WIDTH, y=top, width=CELL_WIDTH - GAP, height=CELL_HEIGHT - GAP,
                suppressed=suppressed,
                percent=None if suppressed or rate is None else round(float(rate) * 100, 1),
                factories=None if suppressed else source.get("factories"),
                nonconforming=None if suppressed else source.get("nonconforming_factories"),
            ))
    width = label_width + len(chapters) * CELL_WIDTH
    height = HEADER_HEIGHT + len(countries) * CELL_HEIGHT
    return HeatMap(width=width, height=height, label_width=label_width, columns=columns, rows=rows, cells=laid_out)
