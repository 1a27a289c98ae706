"""Who holds each identifier: one document per identifier key, the key as ``_id``.

The unique ``_id`` keeps two sites, on any instance, from holding one identifier; when a claim
may be taken over is the domain's rule (``domain.identifier_claims``).
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared_audits.errors import ConflictError

DUPLICATE_KEY = 11000


class MongoIdentifierClaims:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def holders(self, keys: list[str]) -> dict[str, tuple[str, datetime]]:
        cursor = self._collection.find({"_id": {"$in": keys}})
        return {doc["_id"]: (doc["factory_id"], datetime.fromisoformat(doc["claimed_at"])) async for doc in cursor}

    async def claim(self, key: str, factory_id: str, now: datetime, replacing: str | None = None) -> None:
        document = {"factory_id": factory_id, "claimed_at": now.isoformat()}
        if replacing is None:
            try:
                await self._collection.insert_one({"_id": key, **document})
            except DuplicateKeyError as error:
                raise ConflictError(f"identifier {key} was just claimed by another registration") from error
            return
        result = await self._collection.update_one({"_id": key, "factory_id": replacing}, {"$set": document})
        if result.matched_count != 1:
            raise ConflictError(f"identifier {key} was just claimed by another registration")

    async def claim_all(self, claims: dict[str, str], now: datetime) -> list[str]:
        """Claim each key for its site in one write; returns the keys another site claimed first."""
        if not claims:
            return []
        documents = [{"_id": key, "factory_id": factory_id, "claimed_at": now.isoformat()}
                     for key, factory_id in claims.items()]
        try:
            await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            taken = [documents[e["index"]]["_id"] for e in errors]
            holders = await self.holders(taken)  # the same site claiming again (a retried request) keeps it
            return [key for key in taken if key not in holders or holders[key][0] != claims[key]]
        return []

    async def release(self, keys: list[str], factory_id: str) -> None:
        """Give up a site's claims (its record was refused after they were made)."""
        await self._collection.delete_many({"_id": {"$in": keys}, "factory_id": factory_id})

    async def factory_holding(self, key: str) -> str | None:
        document = await self._collection.find_one({"_id": key})
        return document["factory_id"] if document else None
