"""An audit company reads its mandates: newest first, a page at a time, never another company's."""

from __future__ import annotations

from dataclasses import dataclass

from audit_service.domain.mandates import Mandate, MandatePosition, SiteName
from audit_service.domain.model import AuditStatus
from audit_service.service_layer.ports import MandateListing, Sites
from shared_audits.auth import Principal
from shared_audits.errors import PermissionDeniedError


@dataclass(frozen=True)
class MandatePage:
    mandates: list[Mandate]
    sites: dict[str, SiteName]  # the sites' names where the registry announced them
    next_cursor: str | None


@dataclass
class MandateQueries:
    mandates: MandateListing
    sites: Sites

    async def mandates_of(
        self, caller: Principal, status: AuditStatus | None, limit: int, cursor: str | None = None
    ) -> MandatePage:
        """The audits mandated to the calling audit company, newest first, with the next page's cursor."""
        if not caller.is_audit_company:
            raise PermissionDeniedError("only an audit company lists its mandates")
        after = MandatePosition.decode(cursor) if cursor else None
        found = await self.mandates.of_company(caller.organisation_id, status, limit + 1, after)
        page = found[:limit]
        sites = await self.sites.of([mandate.factory_id for mandate in page]) if page else {}
        next_cursor = MandatePosition.of(page[-1]).encode() if len(found) > limit else None
        return MandatePage(page, sites, next_cursor)
