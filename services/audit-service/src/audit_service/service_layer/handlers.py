"""Use cases of audit-service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from audit_service.domain.model import Audit, NewFinding
from audit_service.domain.rating import RatingRules
from shared_audits.auth import Principal
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory
from shared_audits.store import InMemoryAggregateStore, MongoAggregateStore

AuditStore = MongoAggregateStore[Audit] | InMemoryAggregateStore[Audit]


class AuditCompanies(Protocol):
    async def exists(self, organisation_id: str) -> bool: ...


@dataclass
class AuditHandlers:
    audits: AuditStore
    links: LinkProjection
    audit_companies: AuditCompanies
    rating_rules: RatingRules
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def mandate_audit(
        self,
        caller: Principal,
        factory_id: str,
        audit_company_id: str,
        audit_type: AuditType,
        scope: AuditScope,
        announcement: Announcement,
    ) -> Audit:
        if not caller.is_member:
            raise PermissionDeniedError("launching an audit is a member prerogative")
        if not await self.links.is_linked(caller.organisation_id, factory_id):
            raise NotFoundError(f"factory {factory_id} not found")
        if not await self.audit_companies.exists(audit_company_id):
            raise InvalidRequestError(f"{audit_company_id} is not a registered audit company")
        audit = Audit.mandate(
            factory_id, caller.organisation_id, audit_company_id, audit_type, scope, announcement, self.clock()
        )
        await self.audits.add(audit)
        return audit

    async def submit_report(
        self, caller: Principal, audit_id: str, compliance_percentage: float, findings: list[NewFinding]
    ) -> Audit:
        audit = await self._visible_audit(caller, audit_id)
        if not (caller.is_audit_company and caller.organisation_id == audit.audit_company_id):
            raise PermissionDeniedError("only the mandated audit company submits the report")
        audit.publish_report(compliance_percentage, findings, self.rating_rules, self.clock())
        await self.audits.save(audit)
        return audit

    async def audit_for(self, caller: Principal, audit_id: str) -> Audit:
        return await self._visible_audit(caller, audit_id)

    async def audits_of_factory(self, caller: Principal, factory_id: str) -> list[Audit]:
        if caller.is_audit_company:
            return await self.audits.find(factory_id=factory_id, audit_company_id=caller.organisation_id)
        if not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"factory {factory_id} not found")
        return await self.audits.find(factory_id=factory_id)

    async def _visible_audit(self, caller: Principal, audit_id: str) -> Audit:
        audit = await self.audits.get(audit_id)
        if audit is None or not await self._may_see(caller, audit):
            raise NotFoundError(f"audit {audit_id} not found")
        return audit

    async def _may_see(self, caller: Principal, audit: Audit) -> bool:
        if caller.is_audit_company:
            return caller.organisation_id == audit.audit_company_id
        return await may_see_factory(caller, audit.factory_id, self.links)
