"""What a member's dashboard shows of each linked site, and in which order: alerts first. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

# A CAP item still asks something of the factory or of the members until it is accepted or closed.
SETTLED_ITEM_STATUSES = frozenset({"accepted", "closed"})
PENDING_AUDIT_STATUSES = frozenset({"mandated", "accepted"})


class Attention(IntEnum):
    """How urgently a site needs the member's eyes; lower comes first."""

    ALERT = 0  # the last report raised a critical alert (zero-tolerance)
    OVERDUE = 1  # corrective actions are past their deadline
    CALM = 2


@dataclass(frozen=True)
class SiteStanding:
    """One linked site as the dashboard shows it."""

    factory_id: str
    name: str | None
    city: str | None
    country: str | None
    audit_id: str | None = None
    letter: str | None = None
    percentage: float | None = None
    published_at: str | None = None
    has_alert: bool = False
    open_items: int = 0
    overdue_items: int = 0
    awaiting_decision: int = 0
    pending_audits: int = 0

    @property
    def attention(self) -> Attention:
        if self.has_alert:
            return Attention.ALERT
        if self.overdue_items:
            return Attention.OVERDUE
        return Attention.CALM


def latest_report(audits: Iterable[dict]) -> dict | None:
    """The audit whose report was published last (a mandate without a report does not count)."""
    reported = [audit for audit in audits if audit.get("report")]
    if not reported:
        return None
    return max(reported, key=lambda audit: str(audit["report"].get("published_at") or ""))


def report_has_alert(report: dict) -> bool:
    """A critical alert: the report says so, or one of its findings is an alert or a zero-tolerance topic."""
    detail = report.get("detail") or {}
    if detail.get("has_alert"):
        return True
    findings = report.get("findings") or detail.get("findings") or []
    return any(finding.get("alert") or finding.get("zero_tolerance_topic") for finding in findings)


@dataclass(frozen=True)
class ItemCounts:
    open: int = 0
    overdue: int = 0
    awaiting_decision: int = 0


def count_items(caps: Iterable[dict]) -> ItemCounts:
    """Open, overdue and evidence-waiting items over every CAP of a site."""
    open_items = overdue = awaiting = 0
    for cap in caps:
        for item in cap.get("items") or []:
            if item.get("status") in SETTLED_ITEM_STATUSES:
                continue
            open_items += 1
            if item.get("overdue"):
                overdue += 1
            if item.get("status") == "evidence_submitted":
                awaiting += 1
    return ItemCounts(open=open_items, overdue=overdue, awaiting_decision=awaiting)


def standing(factory_id: str, factory: dict | None, audits: Iterable[dict], caps: Iterable[dict]) -> SiteStanding:
    """A site's line on the dashboard from what the registry, audit and CAP services answered."""
    audits = list(audits)
    factory = factory or {}
    last = latest_report(audits)
    report = (last or {}).get("report") or {}
    counts = count_items(caps)
    return SiteStanding(
        factory_id=factory_id, name=factory.get("name"), city=factory.get("city"), country=factory.get("country"),
        audit_id=last["audit_id"] if last else None, letter=report.get("letter"),
        percentage=report.get("compliance_percentage"), published_at=report.get("published_at"),
        has_alert=bool(report) and report_has_alert(report),
        open_items=counts.open, overdue_items=counts.overdue, awaiting_decision=counts.awaiting_decision,
        pending_audits=sum(1 for audit in audits if audit.get("status") in PENDING_AUDIT_STATUSES),
    )


def alerts_first(sites: Iterable[SiteStanding]) -> list[SiteStanding]:
    """Sites with a critical alert, then those with overdue items (most first), then the rest; by name within."""
    return sorted(sites, key=lambda site: (site.attention, -site.overdue_items, (site.name or "").casefold(),
                                           site.factory_id))
