"""Risk analysis: non-conformity rates per (country, chapter), without exposing single factories."""

from __future__ import annotations

from pydantic import BaseModel


class CellCount(BaseModel):
    """How many factories' latest full audits cover a chapter, and how many had a non-conformity in it."""

    country: str
    chapter: str
    factories: int
    nonconforming_factories: int


class RiskCell(BaseModel):
    country: str
    chapter: str
    chapter_title: str
    factories: int | None
    nonconforming_factories: int | None
    nonconformity_rate: float | None
    suppressed: bool


def risk_cells(
    counts: list[CellCount], chapter_titles: dict[str, str], min_factories: int | None
) -> list[RiskCell]:
    """Rates per cell; with ``min_factories``, cells with fewer factories are suppressed (no numbers)."""
    cells = []
    for count in sorted(counts, key=lambda c: (c.country, c.chapter)):
        suppressed = min_factories is not None and count.factories < min_factories
        cells.append(
            RiskCell(
                country=count.country,
                chapter=count.chapter,
                chapter_title=chapter_titles.get(count.chapter, count.chapter),
                factories=None if suppressed else count.factories,
                nonconforming_factories=None if suppressed else count.nonconforming_factories,
                nonconformity_rate=None if suppressed else round(count.nonconforming_factories / count.factories, 3),
                suppressed=suppressed,
            )
        )
    return cells
