"""Use cases of cap-service: open CAPs from reports, record evidence, decide items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cap_service.domain.model import Cap, DeadlineRules
from shared_audits.auth import Principal
from shared_audits.contracts.enums import CapDecision
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored
from shared_audits.errors import ConflictError, InvalidEventError, NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory
from shared_audits.store import InMemoryAggregateStore, MongoAggregateStore

CapStore = MongoAggregateStore[Cap] | InMemoryAggregateStore[Cap]


@dataclass
class CapHandlers:
    caps: CapStore
    links: LinkProjection
    deadline_rules: DeadlineRules
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def open_cap(self, report: AuditReportPublished, envelope: EventEnvelope) -> None:
        if not report.findings:
            return  # nothing to correct
        if await self.caps.get(Cap.id_for_audit(report.audit_id)) is not None:
            return  # this report was already handled
        try:
            await self.caps.add(Cap.open_from_report(report, self.deadline_rules, self.clock()))
        except ConflictError:
            pass  # another instance opened it in the same moment

    async def record_evidence(self, stored: EvidenceStored, envelope: EventEnvelope) -> None:
        cap = await self.caps.get(stored.cap_id)
        if cap is None or cap.factory_id != stored.factory_id:
            raise InvalidEventError(f"evidence for unknown CAP {stored.cap_id} of factory {stored.factory_id}")
        try:
            cap.submit_evidence(stored.item_id, stored.evidence_id)
        except NotFoundError as error:
            raise InvalidEventError(str(error)) from error
        await self.caps.save(cap)

    async def decide(
        self, caller: Principal, cap_id: str, item_id: str, decision: CapDecision, comment: str | None
    ) -> Cap:
        cap = await self.cap_for(caller, cap_id)
        if not caller.is_member:
            raise PermissionDeniedError("only a linked member validates evidence")
        cap.decide(item_id, decision, caller.organisation_id, caller.subject, comment, self.clock())
        await self.caps.save(cap)
        return cap

    async def cap_for(self, caller: Principal, cap_id: str) -> Cap:
        cap = await self.caps.get(cap_id)
        if cap is None or not await may_see_factory(caller, cap.factory_id, self.links):
            raise NotFoundError(f"CAP {cap_id} not found")
        return cap

    async def caps_of_factory(self, caller: Principal, factory_id: str) -> list[Cap]:
        if not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"factory {factory_id} not found")
        return await self.caps.find(factory_id=factory_id)
