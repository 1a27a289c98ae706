"""A member's due-diligence report for a period, from what the services answered. Pure: no I/O.

The fetching layer (entrypoints/http/due_diligence.py) reads, with the member's own token, every
linked site with its profile's subcontractors, audits and CAPs; this module turns them into one
report value: sections of numbers, lists and chart data, and the flat figures that the CSV and JSON
carry, so that the page, the PDF and the files hold the same numbers.

Period rules (also in docs/due-diligence-report.md):
- a report counts when it was published on a day of the period (UTC, both ends included);
- remediation covers the CAP items of the CAPs opened in the period, as they stand on the day the
  report is made (accepted and closed dates, deadline, overdue flag, granted extensions);
- a due follow-up or re-audit counts when its due date falls in the period; it is missed when that
  day has passed and no audit of a fitting type was published by then;
- the country x chapter picture takes the latest report of each site published in the period.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from portal.domain.heatmap import chapter_order

SEVERITIES = ("critical", "major", "minor")
ITEM_STATUSES = ("open", "evidence_submitted", "rejected", "accepted", "closed")
DUE_KINDS = ("follow_up", "re_audit")
FULL_AUDIT_TYPES = frozenset({"initial", "re_audit"})
MAX_PERIOD_DAYS = 3 * 366


class PeriodError(ValueError):
    """A period that cannot be reported on (end before start, too long)."""


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date

    @classmethod
    def of(cls, starts_on: date | None, ends_on: date | None, today: date) -> Period:
        """The period asked for; by default the twelve months up to today."""
        ends_on = ends_on or today
        starts_on = starts_on or ends_on - timedelta(days=365)
        if ends_on < starts_on:
            raise PeriodError("the period ends before it starts")
        if (ends_on - starts_on).days > MAX_PERIOD_DAYS:
            raise PeriodError("a report covers three years at most")
        return cls(starts_on, ends_on)

    def holds(self, moment: str | None) -> bool:
        """Whether an ISO date or date-time (UTC) falls on a day of the period."""
        day = day_of(moment)
        return day is not None and self.starts_on <= day <= self.ends_on


def day_of(moment: str | None) -> date | None:
    if not moment:
        return None
    return date.fromisoformat(str(moment)[:10])


@dataclass(frozen=True)
class SiteData:
    """One linked site as the services answered for the member."""

    factory_id: str
    factory: dict | None  # the registry's card; None when the registry has not learnt of the site yet
    linked_since: str | None
    upstream: list[dict]  # the subcontractors its current profile declares (SupplyChainEntry)
    audits: list[dict]
    caps: list[dict]


@dataclass(frozen=True)
class Figure:
    """One number of the report, as the CSV holds it."""

    section: str
    measure: str
    value: int | float
    site: str = ""
    country: str = ""
    chapter: str = ""
    severity: str = ""
    category: str = ""

    @property
    def key(self) -> str:
        """The figure's name in the page (``data-figure``): its columns but the value."""
        return ":".join((self.section, self.measure, self.site, self.country, self.chapter, self.severity,
                         self.category))


CSV_COLUMNS = ("section", "measure", "site", "country", "chapter", "severity", "category", "value")


@dataclass(frozen=True)
class SiteLine:
    factory_id: str
    name: str
    country: str
    city: str
    linked_since: str | None
    reports_in_period: int
    latest_letter: str | None
    latest_published_at: str | None
    has_alert: bool
    subcontractors: int


@dataclass(frozen=True)
class Subcontractor:
    factory_id: str
    name: str
    country: str
    city: str
    declared_by: list[str]  # the tier-1 sites (names) whose profiles name it
    processes: list[str]
    linked: bool


@dataclass(frozen=True)
class AlertLine:
    factory_id: str
    site: str
    audit_id: str
    published_at: str
    chapter: str
    severity: str
    zero_tolerance_topic: str | None
    description: str
    item_status: str | None  # what followed: the CAP item opened for the finding
    deadline: str | None
    accepted_at: str | None
    closed_at: str | None
    overdue: bool
    follow_up_due_on: str | None
    follow_up_state: str | None


@dataclass(frozen=True)
class ItemLine:
    factory_id: str
    site: str
    cap_id: str
    item_id: str
    chapter: str
    severity: str
    status: str
    opened_at: str
    deadline: str
    accepted_at: str | None
    closed_at: str | None
    overdue: bool
    overdue_since: str | None  # the day after the deadline, for an item flagged overdue
    extensions_granted: int | None  # None when the CAP view does not record extensions


@dataclass(frozen=True)
class DueLine:
    factory_id: str
    site: str
    audit_id: str
    kind: str
    due_on: str
    state: str  # the audit service's: pending, announced, satisfied
    missed: bool
    met: bool


@dataclass(frozen=True)
class OverdueReport:
    factory_id: str
    site: str
    audit_id: str
    overdue_since: str
    by_you: bool


@dataclass
class Report:
    member_id: str
    period: Period
    made_on: date
    sites: list[SiteLine]
    subcontractors: list[Subcontractor]
    chapters: list[tuple[str, str]]  # (id, title) in questionnaire order, those with findings
    findings: dict[tuple[str, str], int]  # (chapter, severity) -> findings
    reports_in_period: int
    reports_by_you: int
    letters: dict[str, int]
    alerts: list[AlertLine]
    items: list[ItemLine]
    extensions_recorded: bool
    due: list[DueLine]
    overdue_reports: list[OverdueReport]
    risk_cells: list[dict]  # as GET /audits/risk/... answers them, for the heat map
    figures: list[Figure] = field(default_factory=list)

    # ---- the numbers the sections show

    def figure(self, section: str, measure: str, **dimensions: str) -> Figure:
        """One of the figures (a zero one when the report has none of that kind)."""
        wanted = Figure(section, measure, 0, **dimensions)
        return next((f for f in self.figures if f.key == wanted.key), wanted)

    def findings_of(self, chapter: str, severity: str | None = None) -> int:
        return sum(n for (c, s), n in self.findings.items() if c == chapter and (severity is None or s == severity))

    def findings_total(self, severity: str | None = None) -> int:
        return sum(n for (_, s), n in self.findings.items() if severity is None or s == severity)

    @property
    def item_counts(self) -> dict[str, int]:
        counts = Counter(item.status for item in self.items)
        return {status: counts.get(status, 0) for status in ITEM_STATUSES}

    @property
    def items_overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)

    @property
    def items_extended(self) -> int | None:
        if not self.extensions_recorded:
            return None
        return sum(1 for item in self.items if item.extensions_granted)

    @property
    def due_count(self) -> int:
        return len(self.due)

    @property
    def due_missed(self) -> int:
        return sum(1 for line in self.due if line.missed)

    @property
    def due_met(self) -> int:
        return sum(1 for line in self.due if line.met)

    @property
    def bar_scale(self) -> int:
        """The longest bar of the findings chart."""
        return max((self.findings_of(chapter) for chapter, _ in self.chapters), default=0)


def _site_name(site: SiteData) -> str:
    return str((site.factory or {}).get("name") or site.factory_id)


def _published(audit: dict) -> str | None:
    report = audit.get("report") or {}
    return report.get("published_at")


def _findings(audit: dict) -> list[dict]:
    report = audit.get("report") or {}
    return list(report.get("findings") or (report.get("detail") or {}).get("findings") or [])


def _has_alert(audit: dict) -> bool:
    report = audit.get("report") or {}
    return bool((report.get("detail") or {}).get("has_alert")) or any(
        f.get("alert") or f.get("zero_tolerance_topic") for f in _findings(audit))


def _accepted_at(item: dict) -> str | None:
    accepted = [d["decided_at"] for d in item.get("decisions") or [] if d.get("decision") == "accept"]
    return max(accepted) if accepted and item.get("status") in ("accepted", "closed") else None


def _closed_at(item: dict) -> str | None:
    closed = [f["at"] for f in item.get("follow_ups") or [] if f.get("outcome") == "closed"]
    return max(closed) if closed and item.get("status") == "closed" else None


def _granted(item: dict) -> int | None:
    if "extensions" not in item:
        return None
    return sum(1 for e in item.get("extensions") or [] if e.get("status") == "granted")


def _satisfies(audit_type: str, kind: str) -> bool:
    return audit_type != "follow_up" or kind == "follow_up"


def build_report(member_id: str, period: Period, made_on: date, sites: Iterable[SiteData],
                 chapter_titles: dict[str, str]) -> Report:
    """The report of ``member_id`` over ``period``, made on ``made_on`` from its linked sites."""
    sites = sorted(sites, key=lambda s: (_site_name(s).casefold(), s.factory_id))
    linked = {site.factory_id for site in sites}
    titles = dict(chapter_titles)
    findings: Counter[tuple[str, str]] = Counter()
    letters: Counter[str] = Counter()
    site_lines: list[SiteLine] = []
    subcontractors: dict[str, Subcontractor] = {}
    alerts: list[AlertLine] = []
    items: list[ItemLine] = []
    due: list[DueLine] = []
    overdue_reports: list[OverdueReport] = []
    risk: dict[tuple[str, str], list[int]] = {}
    reports_in_period = reports_by_you = 0
    extensions_recorded = False

    for site in sites:
        name = _site_name(site)
        country = str((site.factory or {}).get("country") or "")
        reported = sorted((a for a in site.audits if _published(a)), key=lambda a: str(_published(a)))
        in_period = [a for a in reported if period.holds(_published(a))]
        cap_items = {item.get("finding_id"): (cap, item) for cap in site.caps for item in cap.get("items") or []}

        for audit in in_period:
            reports_in_period += 1
            reports_by_you += audit.get("member_id") == member_id
            report = audit["report"]
            letters[str(report.get("letter"))] += 1
            for score in report.get("chapter_scores") or []:
                titles.setdefault(score["chapter"], score.get("title") or score["chapter"])
            follow_up = next((d for d in audit.get("due") or [] if d.get("kind") == "follow_up"), None)
            for finding in _findings(audit):
                findings[(finding["chapter"], finding["severity"])] += 1
                if not (finding.get("alert") or finding.get("zero_tolerance_topic")):
                    continue
                cap, item = cap_items.get(finding.get("finding_id"), (None, None))
                alerts.append(AlertLine(
                    factory_id=site.factory_id, site=name, audit_id=audit["audit_id"], published_at=report["published_at"],
                    chapter=finding["chapter"], severity=finding["severity"],
                    zero_tolerance_topic=finding.get("zero_tolerance_topic"), description=finding.get("description", ""),
                    item_status=item.get("status") if item else None, deadline=item.get("deadline") if item else None,
                    accepted_at=_accepted_at(item) if item else None, closed_at=_closed_at(item) if item else None,
                    overdue=bool(item and item.get("overdue")),
                    follow_up_due_on=follow_up.get("due_on") if follow_up else None,
                    follow_up_state=follow_up.get("state") if follow_up else None,
                ))

        if in_period and country:
            latest = in_period[-1]["report"]
            counted = (latest.get("detail") or {}).get("nonconformities_by_chapter") or {}
            for score in latest.get("chapter_scores") or []:
                cell = risk.setdefault((country, score["chapter"]), [0, 0])
                cell[0] += 1
                cell[1] += int(counted.get(score["chapter"], 0) > 0)

        for cap in site.caps:
            if not period.holds(cap.get("opened_at")):
                continue
            for item in cap.get("items") or []:
                granted = _granted(item)
                extensions_recorded = extensions_recorded or granted is not None
                deadline = str(item.get("deadline") or "")
                overdue = bool(item.get("overdue"))
                # The day after the deadline; not told when it is still ahead (a check run as of a later day).
                late_from = date.fromisoformat(deadline) + timedelta(days=1) if overdue and deadline else None
                items.append(ItemLine(
                    factory_id=site.factory_id, site=name, cap_id=cap["cap_id"], item_id=item["item_id"],
                    chapter=str(item.get("chapter") or ""), severity=str(item.get("severity") or ""),
                    status=str(item.get("status") or ""), opened_at=cap["opened_at"], deadline=deadline,
                    accepted_at=_accepted_at(item), closed_at=_closed_at(item), overdue=overdue,
                    overdue_since=late_from.isoformat() if late_from and late_from <= made_on else None,
                    extensions_granted=granted,
                ))

        for audit in reported:
            for entry in audit.get("due") or []:
                if not period.holds(entry.get("due_on")):
                    continue
                due_on = date.fromisoformat(entry["due_on"][:10])
                later = [a for a in reported if str(_published(a)) > str(_published(audit))
                         and _satisfies(str(a.get("audit_type")), entry["kind"])]
                met = entry.get("state") == "satisfied" or any(day_of(_published(a)) <= due_on for a in later)
                due.append(DueLine(
                    factory_id=site.factory_id, site=name, audit_id=audit["audit_id"], kind=entry["kind"],
                    due_on=entry["due_on"], state=str(entry.get("state") or ""), met=met,
                    missed=not met and due_on < made_on,
                ))
        for audit in site.audits:
            if period.holds(audit.get("report_overdue_since")):
                overdue_reports.append(OverdueReport(site.factory_id, name, audit["audit_id"],
                                                     audit["report_overdue_since"], audit.get("member_id") == member_id))

        declared = 0
        for entry in site.upstream:
            card = entry.get("site") or {}
            sub_id = card.get("factory_id")
            if not sub_id:
                continue
            declared += 1
            # The registry names the processes (older answers gave them as objects with a name).
            processes = [str(p.get("name") if isinstance(p, dict) else p) for p in entry.get("processes") or []
                         if (p.get("name") if isinstance(p, dict) else p)]
            known = subcontractors.get(sub_id)
            subcontractors[sub_id] = Subcontractor(
                factory_id=sub_id, name=str(card.get("name") or sub_id), country=str(card.get("country") or ""),
                city=str(card.get("city") or ""), declared_by=[*(known.declared_by if known else []), name],
                processes=sorted({*(known.processes if known else []), *processes}), linked=sub_id in linked)

        last = in_period[-1] if in_period else None
        site_lines.append(SiteLine(
            factory_id=site.factory_id, name=name, country=country, city=str((site.factory or {}).get("city") or ""),
            linked_since=site.linked_since, reports_in_period=len(in_period),
            latest_letter=(last or {}).get("report", {}).get("letter") if last else None,
            latest_published_at=_published(last) if last else None, has_alert=any(_has_alert(a) for a in in_period),
            subcontractors=declared,
        ))

    chapters = sorted({chapter for chapter, _ in findings}, key=chapter_order)
    report = Report(
        member_id=member_id, period=period, made_on=made_on, sites=site_lines,
        subcontractors=sorted(subcontractors.values(), key=lambda s: (s.name.casefold(), s.factory_id)),
        chapters=[(chapter, titles.get(chapter, chapter)) for chapter in chapters], findings=dict(findings),
        reports_in_period=reports_in_period, reports_by_you=reports_by_you, letters=dict(sorted(letters.items())),
        alerts=sorted(alerts, key=lambda a: (a.published_at, a.site)),
        items=sorted(items, key=lambda i: (i.opened_at, i.site, i.deadline, i.item_id)),
        extensions_recorded=extensions_recorded,
        due=sorted(due, key=lambda d: (d.due_on, d.site, d.kind)),
        overdue_reports=sorted(overdue_reports, key=lambda r: (r.overdue_since, r.site)),
        risk_cells=[{"country": country, "chapter": chapter, "chapter_title": titles.get(chapter, chapter),
                     "factories": audited, "nonconforming_factories": bad,
                     "nonconformity_rate": bad / audited if audited else None, "suppressed": False}
                    for (country, chapter), (audited, bad) in sorted(risk.items())],
    )
    report.figures = figures_of(report)
    return report


def figures_of(report: Report) -> list[Figure]:
    """Every number of the report, one row each: what the CSV holds and the JSON repeats."""
    rows = [
        Figure("supply_chain", "tier_1_sites", len(report.sites)),
        Figure("supply_chain", "subcontractors_declared", len(report.subcontractors)),
        Figure("supply_chain", "subcontractors_linked", sum(1 for s in report.subcontractors if s.linked)),
    ]
    rows += [Figure("supply_chain", "sites_by_country", n, country=country)
             for country, n in sorted(Counter(s.country for s in report.sites).items())]
    rows += [Figure("audits", "reports_published", report.reports_in_period),
             Figure("audits", "reports_mandated_by_you", report.reports_by_you)]
    rows += [Figure("audits", "reports_by_letter", n, category=letter) for letter, n in report.letters.items()]
    rows += [Figure("findings", "findings", report.findings_total(severity), severity=severity)
             for severity in SEVERITIES]
    rows.append(Figure("findings", "findings", report.findings_total()))
    rows += [Figure("findings", "findings", report.findings[(chapter, severity)], chapter=chapter, severity=severity)
             for chapter, _ in report.chapters for severity in SEVERITIES if (chapter, severity) in report.findings]
    rows += [Figure("alerts", "critical_alerts", len(report.alerts)),
             Figure("alerts", "alerts_with_item_accepted_or_closed",
                    sum(1 for a in report.alerts if a.item_status in ("accepted", "closed"))),
             Figure("alerts", "alerts_with_item_overdue", sum(1 for a in report.alerts if a.overdue))]
    rows.append(Figure("remediation", "items", len(report.items)))
    rows += [Figure("remediation", "items", n, category=status) for status, n in report.item_counts.items()]
    rows.append(Figure("remediation", "items", report.items_overdue, category="overdue"))
    if report.items_extended is not None:
        rows.append(Figure("remediation", "items", report.items_extended, category="extended"))
    rows += [Figure("due_audits", "due", sum(1 for d in report.due if d.kind == kind), category=kind)
             for kind in DUE_KINDS]
    rows += [Figure("due_audits", "missed", sum(1 for d in report.due if d.kind == kind and d.missed), category=kind)
             for kind in DUE_KINDS]
    rows += [Figure("due_audits", "met", report.due_met),
             Figure("due_audits", "reports_overdue", len(report.overdue_reports))]
    rows += [Figure("risk", "sites_audited", cell["factories"], country=cell["country"], chapter=cell["chapter"])
             for cell in report.risk_cells]
    rows += [Figure("risk", "sites_with_nonconformities", cell["nonconforming_factories"], country=cell["country"],
                    chapter=cell["chapter"]) for cell in report.risk_cells]
    return rows


def as_csv(report: Report) -> str:
    """The figures as CSV (RFC 4180, a header row), for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for figure in report.figures:
        writer.writerow([getattr(figure, column) for column in CSV_COLUMNS])
    return out.getvalue()


def as_json(report: Report) -> dict:
    """The report as JSON: the period, the lists of each section and the same figures as the CSV."""
    return {
        "format": "shared-audits-due-diligence", "version": 1,
        "member_id": report.member_id,
        "period": {"from": report.period.starts_on.isoformat(), "to": report.period.ends_on.isoformat()},
        "made_on": report.made_on.isoformat(),
        "sites": [asdict(site) for site in report.sites],
        "subcontractors": [asdict(sub) for sub in report.subcontractors],
        "chapters": [{"chapter": chapter, "title": title} for chapter, title in report.chapters],
        "critical_alerts": [asdict(alert) for alert in report.alerts],
        "cap_items": [asdict(item) for item in report.items],
        "extensions_recorded": report.extensions_recorded,
        "due_audits": [asdict(line) for line in report.due],
        "overdue_reports": [asdict(line) for line in report.overdue_reports],
        "risk_cells": report.risk_cells,
        "figures": [asdict(figure) for figure in report.figures],
    }
