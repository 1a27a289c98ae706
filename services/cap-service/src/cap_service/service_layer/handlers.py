"""Use cases of cap-service: open CAPs from reports, record evidence, decide items."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cap_service.domain.model import Cap, CapStatus, DeadlineRules
from cap_service.service_layer.ports import CapStore
from shared_audits.auth import Principal
from shared_audits.contracts.enums import AuditType, CapDecision, ExtensionDecision
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored
from shared_audits.errors import ConflictError, InvalidEventError, NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory
from shared_audits.rule_versions import VersionedRuleSets
from shared_audits.store import saved_on_a_fresh_read

# CAPs read at once by the overdue scan and by a follow-up looking for a factory's open CAPs (both read every page).
OVERDUE_SCAN_PAGE = 500
FOLLOW_UP_PAGE = 500


@dataclass
class CapHandlers:
    caps: CapStore
    links: LinkProjection
    deadline_rules: DeadlineRules  # the shipped version: in force while no versions are published
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Lets an operator run the overdue check for another day; refused outside development.
    clock_override_allowed: bool = False
    # The versions the operator publishes (kind "deadlines"); the newest is in force.
    published_rules: VersionedRuleSets | None = None

    async def deadline_rules_in_force(self, mandated_at: datetime | None = None) -> DeadlineRules:
        """The deadline rules a CAP takes its deadlines from: those in force when its audit was mandated
        (an audit is bound to the rules of its mandate), or now when the report does not say when."""
        if self.published_rules is None:
            return self.deadline_rules
        version = None if mandated_at is None else await self.published_rules.version_in_force_at("deadlines",
                                                                                                   mandated_at)
        return await self.published_rules.rules("deadlines", version)  # type: ignore[return-value]

    async def open_cap(self, report: AuditReportPublished, envelope: EventEnvelope) -> None:
        """Open a CAP from a report; a follow-up report first closes or reopens earlier items."""
        findings = report.findings
        if report.audit_type == AuditType.FOLLOW_UP:
            matched = await self._apply_follow_up(report)
            # Findings that re-found an earlier item live on in it; only new ones open a CAP.
            findings = [finding for finding in findings if finding.finding_id not in matched]
        if not findings:
            return  # nothing (new) to correct
        if await self.caps.get(Cap.id_for_audit(report.audit_id)) is not None:
            return  # this report was already handled
        try:
            opened = report.model_copy(update={"findings": findings})
            rules = await self.deadline_rules_in_force(report.mandated_at)
            await self.caps.add(Cap.open_from_report(opened, rules, self.clock()))
        except ConflictError:
            pass  # another instance opened it in the same moment

    async def _apply_follow_up(self, report: AuditReportPublished) -> set[str]:
        # The CAP of the audit it follows, when named; otherwise every open CAP of the factory.
        if report.follows_audit_id:
            named = await self.caps.get(Cap.id_for_audit(report.follows_audit_id))
            targets = [named] if named and named.factory_id == report.factory_id else []
        else:
            targets = await self._open_caps_of(report.factory_id)
        matched: set[str] = set()
        for cap in targets:
            if cap.audit_id == report.audit_id:
                continue
            matched |= cap.apply_follow_up(report, await self.deadline_rules_in_force(report.mandated_at), self.clock())
            await self.caps.save(cap)  # a conflict propagates: the event is redelivered and re-applied
        return matched

    async def _open_caps_of(self, factory_id: str) -> list[Cap]:
        """Every open CAP of a factory, read a page at a time."""
        found: list[Cap] = []
        while True:
            page = await self.caps.find(limit=FOLLOW_UP_PAGE, after=found[-1].id if found else None,
                                        factory_id=factory_id, status=CapStatus.OPEN.value)
            found += page
            if len(page) < FOLLOW_UP_PAGE:
                return found

    async def flag_overdue_items(self, today: date | None = None) -> int:
        """The scheduled check: CapItemOverdue once per item and deadline. Returns how many were flagged.

        Safe with several instances and across restarts: the flag is saved with the
        event in one conditional write, so a concurrent scan's write is refused.
        """
        today = today or self.clock().date()
        flagged = 0
        while True:
            # A flagged CAP leaves the query (its next_overdue_deadline moves past today), so each read
            # returns the CAPs still to flag; it stops on a page that flags nothing (the last, or all conflicts).
            page = await self.caps.find_before("next_overdue_deadline", today.isoformat(), limit=OVERDUE_SCAN_PAGE)
            flagged_in_page = 0
            for cap in page:
                items = cap.flag_overdue(today, self.clock())
                if not items:
                    continue
                try:
                    await self.caps.save(cap)
                except ConflictError:
                    continue  # changed meanwhile (a decision or another instance): the next scan decides
                flagged_in_page += len(items)
            flagged += flagged_in_page
            if len(page) < OVERDUE_SCAN_PAGE or not flagged_in_page:
                return flagged

    async def scan_overdue_as_of(self, caller: Principal, as_of: date) -> int:
        """An operator runs the scheduled check for a chosen day (test and development only)."""
        if not self.clock_override_allowed:
            raise NotFoundError("not found")
        if not caller.is_operator:
            raise NotFoundError("not found")
        return await self.flag_overdue_items(as_of)

    async def record_evidence(self, stored: EvidenceStored, envelope: EventEnvelope) -> None:
        """Add the evidence to its item; a decision landing meanwhile on the CAP is read again, not a failure."""

        async def submit() -> Cap:
            cap = await self.caps.get(stored.cap_id)
            if cap is None or cap.factory_id != stored.factory_id:
                raise InvalidEventError(f"evidence for unknown CAP {stored.cap_id} of factory {stored.factory_id}")
            try:
                cap.submit_evidence(stored.item_id, stored.evidence_id, self.clock())
            except NotFoundError as error:
                raise InvalidEventError(str(error)) from error
            return cap

        await self._change(submit)

    async def decide(
        self, caller: Principal, cap_id: str, item_id: str, decision: CapDecision, comment: str | None
    ) -> Cap:
        """Decide on one item. Another change to the CAP between this read and write (a decision
        on another item, evidence arriving) does not conflict with it: the decision is taken
        again on a fresh read. A second decision on the same item is still refused (409)."""

        async def decide() -> Cap:
            cap = await self.cap_for(caller, cap_id)
            if not caller.is_member:
                raise PermissionDeniedError("only a linked member validates evidence")
            cap.decide(item_id, decision, caller.organisation_id, caller.subject, comment, self.clock())
            return cap

        return await self._change(decide)

    async def write_plan(self, caller: Principal, cap_id: str, item_id: str, root_cause: str,
                         corrective_action: str, owner: str, target_date: date) -> Cap:
        """The factory of the CAP writes its own plan for an item; linked members read it."""

        async def write() -> Cap:
            cap = await self._own_cap(caller, cap_id, "only the factory writes its plan")
            cap.write_plan(item_id, root_cause, corrective_action, owner, target_date, caller.subject, self.clock())
            return cap

        return await self._change(write)

    async def request_extension(self, caller: Principal, cap_id: str, item_id: str, new_deadline: date,
                                reason: str) -> Cap:
        """The factory of the CAP asks for a later deadline for an item; a linked member decides."""

        async def request() -> Cap:
            cap = await self._own_cap(caller, cap_id, "only the factory asks for more time")
            cap.request_extension(item_id, new_deadline, reason, caller.subject, self.clock())
            return cap

        return await self._change(request)

    async def decide_extension(self, caller: Principal, cap_id: str, item_id: str, extension_id: str,
                               decision: ExtensionDecision, reason: str | None) -> Cap:
        """A linked member grants or refuses a pending extension request; a second decision is refused (409)."""

        async def decide() -> Cap:
            cap = await self.cap_for(caller, cap_id)
            if not caller.is_member:
                raise PermissionDeniedError("only a linked member decides on an extension")
            cap.decide_extension(item_id, extension_id, decision, caller.organisation_id, caller.subject, reason,
                                 self.clock())
            return cap

        return await self._change(decide)

    async def _own_cap(self, caller: Principal, cap_id: str, refusal: str) -> Cap:
        cap = await self.cap_for(caller, cap_id)
        if not (caller.is_factory and caller.factory_id == cap.factory_id):
            raise PermissionDeniedError(refusal)
        return cap

    async def _change(self, change: Callable[[], Awaitable[Cap]]) -> Cap:
        """Read, change and save a CAP; when another write landed in between, again on a fresh read."""
        return await saved_on_a_fresh_read(self.caps, change)

    async def cap_for(self, caller: Principal, cap_id: str) -> Cap:
        cap = await self.caps.get(cap_id)
        if cap is None or not await may_see_factory(caller, cap.factory_id, self.links):
            raise NotFoundError(f"CAP {cap_id} not found")
        return cap

    async def caps_of_factory(
        self, caller: Principal, factory_id: str, limit: int = 20, after: str | None = None
    ) -> tuple[list[Cap], str | None]:
        """One page of a factory's CAPs in id order, and the cursor of the next page (None: the last)."""
        if not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"factory {factory_id} not found")
        found = await self.caps.find(limit=limit + 1, after=after, factory_id=factory_id)
        page = found[:limit]
        return page, (page[-1].id if len(found) > limit else None)
