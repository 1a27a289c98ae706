"""Use cases of audit-service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from audit_service.domain.errors import AuditNotReady
from audit_service.domain.model import Audit, AuditStatus, ImportedReport, ReportSubmission
from audit_service.domain.risk import RiskCell, counted_report, risk_cells
from audit_service.domain.rules import RuleBook
from audit_service.domain.sampling import SampleSize
from audit_service.domain.timing import WorkingCalendar
from audit_service.service_layer.ports import (
    AuditCompanies,
    AuditStore,
    Readiness,
    RiskReadModel,
    Sites,
    WorkingCalendars,
)
from audit_service.service_layer.rule_books import RuleBooks
from shared_audits.auth import Principal
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.merges import MergedFactories
from shared_audits.links import LinkProjection, may_see_factory

logger = logging.getLogger(__name__)

# Audits the scheduled jobs read at a time.
SCAN_PAGE = 500


@dataclass
class ReportImport:
    """What one import request did: new audits, audits already there (a re-run), and refused records."""

    imported: int
    already_imported: int
    rejected: list[dict[str, str]]


@dataclass(frozen=True)
class AuditPage:
    audits: list[Audit]
    next_after: str | None  # the id to read on from; None on the last page


def _chapter_titles(rules: RuleBook) -> dict[str, str]:
    return {chapter.id: chapter.title for chapter in rules.questionnaire.chapters}


@dataclass
class AuditHandlers:
    audits: AuditStore
    links: LinkProjection
    audit_companies: AuditCompanies
    readiness: Readiness
    risk: RiskReadModel
    rules: RuleBooks  # the published versions: in force, or those an audit is bound to
    sites: Sites  # each site's country: its working days
    calendars: WorkingCalendars
    # Sites merged into another: no new audit under their id (the member's link moves in a moment).
    merged_factories: MergedFactories
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Lets the operator run the overdue-report check as of another day (tests, demos); development only.
    clock_override_allowed: bool = False

    async def mandate_audit(
        self,
        caller: Principal,
        factory_id: str,
        audit_company_id: str,
        audit_type: AuditType,
        scope: AuditScope,
        announcement: Announcement,
        window: tuple[date, date] | None = None,
        follows_audit_id: str | None = None,
    ) -> Audit:
        """A member mandates an audit; a follow-up may name the published audit it re-checks."""
        if not caller.is_member:
            raise PermissionDeniedError("launching an audit is a member prerogative")
        if not await self.links.is_linked(caller.organisation_id, factory_id):
            raise NotFoundError(f"factory {factory_id} not found")
        if await self.merged_factories.surviving_id(factory_id) is not None:
            raise NotFoundError(f"factory {factory_id} not found")
        follows = await self._followed_audit(caller, follows_audit_id) if follows_audit_id else None
        company = await self.audit_companies.standing(audit_company_id)
        if company is None:
            raise InvalidRequestError(f"{audit_company_id} is not a registered audit company")
        company.require_mandatable(self.clock())  # not suspended, and accredited once its trial ended
        rule_versions = await self.rules.versions_in_force()  # the audit is bound to these
        timing = (await self.rules.bound(rule_versions)).timing
        audit = Audit.mandate(
            factory_id,
            caller.organisation_id,
            audit_company_id,
            audit_type,
            scope,
            announcement,
            window,
            timing,
            self.clock(),
            follows,
        )
        audit.rule_versions = rule_versions
        await self.audits.add(audit)
        return audit

    async def _followed_audit(self, caller: Principal, audit_id: str) -> Audit:
        # An audit the caller may not see reads as one that does not exist (confidentiality).
        audit = await self.audits.get(audit_id)
        if audit is None or not await self._may_see(caller, audit):
            raise InvalidRequestError(f"follows_audit_id: there is no audit {audit_id} that you may see")
        return audit

    async def answer_mandate(self, caller: Principal, audit_id: str, accept: bool, reason: str | None) -> Audit:
        audit = await self._visible_audit(caller, audit_id)
        self._require_mandated_company(caller, audit, "only the mandated audit company accepts or declines")
        if accept:
            audit.accept(self.clock())
        else:
            audit.decline(reason, self.clock())
        await self.audits.save(audit)
        return audit

    async def submit_report(self, caller: Principal, audit_id: str, submission: ReportSubmission) -> Audit:
        """Rate and publish a report; the factory must be ready for audit (profile and Code of Conduct)."""
        audit = await self._visible_audit(caller, audit_id)
        self._require_mandated_company(caller, audit, "only the mandated audit company submits the report")
        if audit.status == AuditStatus.REPORT_PUBLISHED:
            raise ConflictError("the report of this audit is already published")
        readiness = await self.readiness.of(audit.factory_id)
        problems = readiness.problems(await self.readiness.current_code_version())
        if problems:
            raise AuditNotReady("the audit cannot take place yet: " + "; ".join(problems))
        rules = await self.rules.bound(audit.rule_versions)  # those in force when it was mandated
        required = rules.sampling.required_for(readiness.workforce_total or 0, audit.audit_type)
        calendar = await self._calendar_of(audit.factory_id)
        audit.publish_report(submission, rules, required, self.clock(), calendar)
        await self.audits.save(audit)
        return audit

    async def import_reports(self, caller: Principal, records: list[ImportedReport]) -> ReportImport:
        """The operator loads reports from the system the platform replaces, in bulk.

        Each is rated by the current rules and counted in the risk analysis; it opens no
        CAP and raises no alert (that happened in the old system). A re-run skips what is in.
        """
        if not caller.is_operator:
            raise PermissionDeniedError("only the operator imports audit reports")
        audits, counted, rejected = [], [], []
        rules = await self.rules.in_force()
        for record in records:
            try:
                required = rules.sampling.required_for(record.workforce, record.audit_type)
                audit = Audit.imported(record, rules, required, self.calendars(record.country))
            except InvalidRequestError as error:
                rejected.append({"audit_id": record.audit_id, "detail": error.detail})
                continue
            audits.append(audit)
            report = audit.report
            counted.append(counted_report(
                audit.factory_id, audit.id, audit.audit_type, report.published_at,
                {score.chapter: score.nonconformities for score in report.chapter_scores}, record.country))
        existing = await self.audits.add_many(audits)
        # Counted again on a re-run too: counting the same report twice changes nothing.
        await self.risk.count_reports([report for report in counted if report is not None])
        return ReportImport(imported=len(audits) - len(existing), already_imported=len(existing), rejected=rejected)

    async def sample_size(self, workforce: int, audit_type: AuditType) -> SampleSize:
        return (await self.rules.in_force()).sampling.required_for(workforce, audit_type)

    async def audit_for(self, caller: Principal, audit_id: str) -> Audit:
        return await self._visible_audit(caller, audit_id)

    async def audits_of_factory(self, caller: Principal, factory_id: str, limit: int = SCAN_PAGE,
                                after: str | None = None) -> AuditPage:
        """A site's audits a caller may read, by id, a page at a time (``after``: the last id of the previous page)."""
        mine = {"audit_company_id": caller.organisation_id} if caller.is_audit_company else {}
        if not mine and not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"factory {factory_id} not found")
        found = await self.audits.find(limit=limit + 1, after=after, factory_id=factory_id, **mine)
        page = found[:limit]
        next_after = page[-1].id if len(found) > limit else None
        if caller.is_factory:
            page = [audit for audit in page if audit.visible_to_factory()]
        return AuditPage(page, next_after)

    async def risk_by_country(self, caller: Principal) -> list[RiskCell]:
        """Shared among members: every published full audit, small cells suppressed."""
        if not (caller.is_member or caller.is_operator):
            raise PermissionDeniedError("the risk analysis is shared among members")
        counts = await self.risk.counts()
        rules = await self.rules.in_force()
        return risk_cells(counts, _chapter_titles(rules), rules.monitoring.risk_min_factories_per_cell)

    async def risk_of_supply_chain(self, caller: Principal) -> list[RiskCell]:
        """A member's own view: its linked factories only (it sees them anyway, so nothing is suppressed)."""
        if not caller.is_member:
            raise PermissionDeniedError("the supply-chain view is a member's own")
        factory_ids = await self.links.factories_of(caller.organisation_id)
        counts = await self.risk.counts(factory_ids)
        return risk_cells(counts, _chapter_titles(await self.rules.in_force()), None)

    async def announce_due_audits(self) -> int:
        """The scheduled job: emit each follow-up and re-audit due date once, when it comes near.

        Reads the audits with a due date pending a page at a time, in id order, so none is left out.
        """
        today = self.clock().date()
        announced, after = 0, None
        while True:
            page = await self.audits.find(limit=SCAN_PAGE, after=after, due_pending=True)
            for audit in page:
                announced += await self._announce_due(audit, today)
            if len(page) < SCAN_PAGE:
                return announced
            after = page[-1].id

    async def _announce_due(self, audit: Audit, today: date) -> int:
        satisfied = audit.due_satisfied_by(await self.audits.find(limit=SCAN_PAGE, factory_id=audit.factory_id))
        before = [due.state for due in audit.due]
        timing = (await self.rules.bound(audit.report.rule_versions)).timing  # its report's
        announced = len(audit.announce_due(today, timing, satisfied))
        if [due.state for due in audit.due] != before:
            try:
                await self.audits.save(audit)
            except ConflictError:
                logger.info("audit changed while announcing its due dates; next round", extra={"audit": audit.id})
        return announced

    async def flag_overdue_reports(self, today: date | None = None) -> int:
        """The scheduled check: AuditReportOverdue once for each accepted audit whose report is not in the
        platform by its due date (the window's end plus the rules' working days, in the site's country).

        Safe with several instances: the mark is saved with the event in one conditional write.
        """
        today = today or self.clock().date()
        flagged, after = 0, None
        while True:
            page = await self.audits.find(limit=SCAN_PAGE, after=after, status=AuditStatus.ACCEPTED.value,
                                          report_overdue_since=None)
            sites = await self.sites.of(sorted({audit.factory_id for audit in page})) if page else {}
            for audit in page:
                site = sites.get(audit.factory_id)
                calendar = self.calendars(site.country if site else None)
                timing = (await self.rules.bound(audit.rule_versions)).timing
                if not audit.flag_report_overdue(today, timing, calendar):
                    continue
                try:
                    await self.audits.save(audit)
                except ConflictError:
                    continue  # changed meanwhile (a report, another instance): the next round decides
                flagged += 1
            if len(page) < SCAN_PAGE:
                return flagged
            after = page[-1].id

    async def scan_overdue_reports_as_of(self, caller: Principal, as_of: date) -> int:
        """The operator runs the overdue-report check for a chosen day (tests and demos, development only)."""
        if not (self.clock_override_allowed and caller.is_operator):
            raise NotFoundError("not found")
        return await self.flag_overdue_reports(as_of)

    async def _calendar_of(self, factory_id: str) -> WorkingCalendar:
        site = (await self.sites.of([factory_id])).get(factory_id)
        return self.calendars(site.country if site else None)

    @staticmethod
    def _require_mandated_company(caller: Principal, audit: Audit, message: str) -> None:
        if not (caller.is_audit_company and caller.organisation_id == audit.audit_company_id):
            raise PermissionDeniedError(message)

    async def _visible_audit(self, caller: Principal, audit_id: str) -> Audit:
        audit = await self.audits.get(audit_id)
        if audit is None or not await self._may_see(caller, audit):
            raise NotFoundError(f"audit {audit_id} not found")
        return audit

    async def _may_see(self, caller: Principal, audit: Audit) -> bool:
        if caller.is_audit_company:
            return caller.organisation_id == audit.audit_company_id
        if caller.is_factory and not audit.visible_to_factory():
            return False
        return await may_see_factory(caller, audit.factory_id, self.links)
