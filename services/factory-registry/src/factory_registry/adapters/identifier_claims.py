"""Who holds each identifier: one document per identifier key, the key as ``_id``.

A site's identifiers are claimed before the site is written. A claim whose site
never got written (a crash in between) is stale after a grace period and may be
taken over; the unique ``_id`` keeps two sites, on any instance, from holding one
identifier.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared_audits.errors import ConflictError

STALE_AFTER = timedelta(minutes=2)


class IdentifierClaims(Protocol):
    async def holders(self, keys: list[str]) -> dict[str, tuple[str, datetime]]: ...
    async def claim(self, key: str, factory_id: str, now: datetime, replacing: str | None = None) -> None: ...
    async def claim_all(self, claims: dict[str, str], now: datetime) -> list[str]: ...
    async def release(self, keys: list[str], factory_id: str) -> None: ...
    async def factory_holding(self, key: str) -> str | None: ...


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


class InMemoryIdentifierClaims:
    def __init__(self) -> None:
        self.claims: dict[str, tuple[str, datetime]] = {}

    async def holders(self, keys: list[str]) -> dict[str, tuple[str, datetime]]:
        return {key: self.claims[key] for key in keys if key in self.claims}

    async def claim(self, key: str, factory_id: str, now: datetime, replacing: str | None = None) -> None:
        held = self.claims.get(key)
        if (held is not None and held[0] != replacing) or (held is None and replacing is not None):
            raise ConflictError(f"identifier {key} was just claimed by another registration")
        self.claims[key] = (factory_id, now)

    async def claim_all(self, claims: dict[str, str], now: datetime) -> list[str]:
        taken = [key for key, factory_id in claims.items() if self.claims.get(key, (factory_id,))[0] != factory_id]
        self.claims |= {key: (factory_id, now) for key, factory_id in claims.items() if key not in taken}
        return taken

    async def release(self, keys: list[str], factory_id: str) -> None:
        for key in keys:
            if self.claims.get(key, (None,))[0] == factory_id:
                del self.claims[key]

    async def factory_holding(self, key: str) -> str | None:
        held = self.claims.get(key)
        return held[0] if held else None
