"""Projection of what factory-registry and access-control said about a site's readiness for audit.

Fed by ``FactoryProfileSubmitted`` and ``CodeOfConductSigned``. The current Code
of Conduct version is a separate, tiny projection fed by ``CodeOfConductPublished``
(one partition key for all versions, so the last one handled is the newest);
before any version was published, any signed version counts.
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from audit_service.domain.readiness import FactoryReadiness
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import CodeOfConductPublished, CodeOfConductSigned, FactoryProfileSubmitted

CURRENT_CODE_ID = "current"


class MongoReadiness:
    def __init__(self, sites: AsyncCollection, code_of_conduct: AsyncCollection) -> None:
        self._sites = sites
        self._code_of_conduct = code_of_conduct

    async def of(self, factory_id: str) -> FactoryReadiness:
        document = await self._sites.find_one({"_id": factory_id}) or {}
        return FactoryReadiness(
            factory_id=factory_id,
            profile_version=document.get("profile_version"),
            workforce_total=document.get("workforce_total"),
            code_of_conduct_versions=document.get("code_of_conduct_versions", []),
        )

    async def current_code_version(self) -> str | None:
        document = await self._code_of_conduct.find_one({"_id": CURRENT_CODE_ID})
        return document["version"] if document else None

    async def apply_profile_submitted(self, event: FactoryProfileSubmitted, envelope: EventEnvelope) -> None:
        # A site's events share a partition and arrive in order: the latest profile wins.
        await self._sites.update_one(
            {"_id": event.factory_id},
            {"$set": {"profile_version": event.profile_version, "workforce_total": event.workforce_total}},
            upsert=True,
        )

    async def apply_code_signed(self, event: CodeOfConductSigned, envelope: EventEnvelope) -> None:
        if event.factory_id is None:
            return  # a member's own commitment says nothing about a site
        await self._sites.update_one(
            {"_id": event.factory_id}, {"$addToSet": {"code_of_conduct_versions": event.code_version}}, upsert=True
        )

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        """``FactoryReadiness.merged_with`` as atomic updates, so a version signed or a profile
        submitted meanwhile is kept."""
        merged = await self._sites.find_one({"_id": merged_id})
        if merged is None:
            return  # nothing known, or already merged
        versions = merged.get("code_of_conduct_versions", [])
        await self._sites.update_one(
            {"_id": surviving_id}, {"$addToSet": {"code_of_conduct_versions": {"$each": versions}}}, upsert=True
        )
        if merged.get("profile_version") is not None:
            await self._sites.update_one(
                {"_id": surviving_id, "profile_version": None},
                {"$set": {"profile_version": merged["profile_version"], "workforce_total": merged.get("workforce_total")}},
            )
        await self._sites.delete_one({"_id": merged_id})

    async def apply_current_version(self, version: str) -> None:
        await self._code_of_conduct.update_one({"_id": CURRENT_CODE_ID}, {"$set": {"version": version}}, upsert=True)

    async def apply_code_published(self, event: CodeOfConductPublished, envelope: EventEnvelope) -> None:
        """The newest published version is the current one (events of one key arrive in order)."""
        await self.apply_current_version(event.code_version)
