"""Candidates for the duplicate rule: the active sites that share a blocking key, read through an index.

Each site document holds its ``match_keys`` (domain.matching.site_keys) under a multikey index,
so a registration or an import reads only the sites that could be its duplicates, not the country.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo import UpdateOne

from factory_registry.domain.model import Factory
from shared_audits.outbox import OUTBOX_FIELD
from shared_audits.store import MongoAggregateStore


class MongoSiteIndex:
    def __init__(self, store: MongoAggregateStore[Factory]) -> None:
        self._collection = store.collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("match_keys", 1)])

    async def sharing(self, keys: list[str], limit: int) -> list[Factory]:
        """Active sites holding any of ``keys``, at most ``limit`` of them."""
        if not keys:
            return []
        cursor = self._collection.find({"match_keys": {"$in": keys}, "merged_into": None},
                                       {OUTBOX_FIELD: 0}).limit(limit)
        return [_load(document) async for document in cursor]

    async def existing_ids(self, ids: list[str]) -> set[str]:
        cursor = self._collection.find({"_id": {"$in": ids}}, {"_id": 1})
        return {document["_id"] async for document in cursor}

    async def reindex(self, version: str, index: Callable[[Factory], Factory], batch: int = 500) -> int:
        """Give every site whose keys are of another version (or none: older records) the current keys.

        Keys are derived data: written without raising the version, which a merge's save keeps as is.
        """
        changed = 0
        while True:
            cursor = self._collection.find({"match_keys_version": {"$ne": version}}, {OUTBOX_FIELD: 0}).limit(batch)
            sites = [index(_load(document)) async for document in cursor]
            if not sites:
                return changed
            await self._collection.bulk_write([
                UpdateOne({"_id": site.id}, {"$set": {"match_keys": site.match_keys,
                                                      "match_keys_version": site.match_keys_version}})
                for site in sites], ordered=False)
            changed += len(sites)


def _load(document: dict[str, Any]) -> Factory:
    return Factory.model_validate({**document, "id": document["_id"]})
