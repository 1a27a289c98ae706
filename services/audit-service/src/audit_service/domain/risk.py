"""Risk analysis: non-conformity rates per (country, chapter), without exposing single factories."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared_audits.contracts.enums import AuditType


class CountedReport(BaseModel):
    """What the risk analysis keeps of a factory's full audit: 1 per chapter with a non-conformity, else 0."""

    factory_id: str
    audit_id: str
    published_at: datetime
    chapters: dict[str, int]
    # An import may name the site's country: counted at once, until the registry's event says otherwise.
    country: str | None = None


def counted_report(
    factory_id: str, audit_id: str, audit_type: AuditType, published_at: datetime,
    nonconformities_by_chapter: dict[str, int] | None,
) -> CountedReport | None:
    """What the risk analysis keeps of a published report; None for a report it does not count."""
    # Follow-ups re-check open findings only; the picture of a site comes from its full audits.
    if AuditType(audit_type) == AuditType.FOLLOW_UP or nonconformities_by_chapter is None:
        return None
    return CountedReport(
        factory_id=factory_id, audit_id=audit_id, published_at=published_at,
        chapters={chapter: 1 if count else 0 for chapter, count in nonconformities_by_chapter.items()},
    )


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
