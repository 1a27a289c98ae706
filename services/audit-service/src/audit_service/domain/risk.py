"""Risk analysis: non-conformity rates per (country, chapter), without exposing single factories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
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
    nonconformities_by_chapter: dict[str, int] | None, country: str | None = None,
) -> CountedReport | None:
    """What the risk analysis keeps of a published report; None for a report it does not count."""
    # Follow-ups re-check open findings only; the picture of a site comes from its full audits.
    if AuditType(audit_type) == AuditType.FOLLOW_UP or nonconformities_by_chapter is None:
        return None
    return CountedReport(
        factory_id=factory_id, audit_id=audit_id, published_at=published_at, country=country,
        chapters={chapter: 1 if count else 0 for chapter, count in nonconformities_by_chapter.items()},
    )


def newest_per_factory(reports: list[CountedReport]) -> dict[str, CountedReport]:
    """Each factory's newest report in a batch (of two published at the same moment, the later one)."""
    newest: dict[str, CountedReport] = {}
    for report in reports:
        current = newest.get(report.factory_id)
        if current is None or current.published_at <= report.published_at:
            newest[report.factory_id] = report
    return newest


@dataclass(frozen=True)
class FactoryPicture:
    """What the risk analysis counts of one factory: its country and its latest full audit's chapters."""

    country: str | None = None
    audit_id: str | None = None
    published_at: datetime | None = None
    chapters: dict[str, int] = field(default_factory=dict)

    def located_in(self, country: str) -> FactoryPicture:
        """The registry's word on the country wins over an import's."""
        return replace(self, country=country)

    def with_report(self, report: CountedReport) -> FactoryPicture | None:
        """The picture once ``report`` counts; None when the counted report is newer (it stays).

        The same report again (a redelivery, a re-run) gives the same picture.
        """
        if self.published_at is not None and self.published_at > report.published_at:
            return None
        return FactoryPicture(country=self.country or report.country, audit_id=report.audit_id,
                              published_at=report.published_at, chapters=report.chapters)

    def merged_with(self, merged: FactoryPicture) -> FactoryPicture:
        """One site counts once: the newer of the two reports stays, under this site's country if it has one."""
        if merged.published_at is None or (self.published_at is not None and self.published_at > merged.published_at):
            return self
        return replace(merged, country=self.country or merged.country)

    def cells(self) -> Counter:
        """What the picture adds to each cell: the factory, and whether it had a non-conformity there."""
        counted: Counter = Counter()
        if self.country is None:
            return counted  # counted once the factory's country is known
        for chapter, nonconforming in self.chapters.items():
            counted[(self.country, chapter, "factories")] += 1
            counted[(self.country, chapter, "nonconforming_factories")] += nonconforming
        return counted


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


def cell_counts(totals: Counter) -> list[CellCount]:
    """The cells that count at least one factory, from totals keyed by (country, chapter, field)."""
    cells = sorted({(country, chapter) for country, chapter, _ in totals})
    return [
        CellCount(country=country, chapter=chapter, factories=totals[(country, chapter, "factories")],
                  nonconforming_factories=totals[(country, chapter, "nonconforming_factories")])
        for country, chapter in cells if totals[(country, chapter, "factories")] > 0
    ]


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
