"""An audit company's mandates read from the audits collection, newest first (no report loaded)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from audit_service.domain.mandates import Mandate, MandatePosition
from audit_service.domain.model import AuditStatus

_FIELDS = {name: 1 for name in Mandate.model_fields if name != "audit_id"}
NEWEST_FIRST = [("mandated_at", -1), ("_id", -1)]


class MongoMandates:
    def __init__(self, audits: AsyncCollection) -> None:
        self._audits = audits

    async def ensure_indexes(self) -> None:
        await self._audits.create_index([("audit_company_id", 1), *NEWEST_FIRST])

    async def of_company(
        self, audit_company_id: str, status: AuditStatus | None, limit: int, after: MandatePosition | None
    ) -> list[Mandate]:
        query: dict[str, Any] = {"audit_company_id": audit_company_id}
        if status is not None:
            query["status"] = status.value
        if after is not None:
            query["$or"] = [{"mandated_at": {"$lt": after.mandated_at}},
                            {"mandated_at": after.mandated_at, "_id": {"$lt": after.audit_id}}]
        cursor = self._audits.find(query, _FIELDS).sort(NEWEST_FIRST).limit(limit)
        return [Mandate.model_validate({**document, "audit_id": document["_id"]}) async for document in cursor]
