"""The merged-ids map every service keeps, fed by factory-registry's ``FactoriesMerged``.

After a merge, events about the merged id may still arrive (published before the
merge, consumed late from another topic's partition). The consumer translates
their ``factory_id`` to the surviving site on the way in, so they land where the
service moved the merged site's data; a merge into a site that was itself merged
meanwhile goes to the end of the chain. Link events and the registry's own events
keep their id: links move only through access-control's FactoryUnlinked and
FactoryLinked, and a late profile of the merged record must not overwrite the
surviving site's.
"""

from __future__ import annotations

from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts import topics
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.events import FactoriesMerged, FactoryLinked, FactoryUnlinked

# A chain (A merged into B, B later into C) is short; a longer one means a cycle in bad data.
MAX_CHAIN = 16

UNTRANSLATED_TYPES = {FactoryLinked.TYPE, FactoryUnlinked.TYPE}


class MergedFactories(Protocol):
    async def surviving_id(self, factory_id: str) -> str | None: ...
    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None: ...


class MongoMergedFactories:
    """``{_id: merged id, surviving_id}``: the merged id is the key."""

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection
        self._known: dict[str, str] = {}  # merges are final: a hit can be cached, a miss cannot

    async def surviving_id(self, factory_id: str) -> str | None:
        if factory_id in self._known:
            return self._known[factory_id]
        document = await self._collection.find_one({"_id": factory_id}, {"surviving_id": 1})
        if document is None:
            return None
        self._known[factory_id] = document["surviving_id"]
        return document["surviving_id"]

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": event.merged_factory_id},
            {"$set": {"surviving_id": event.factory_id, "merged_at": envelope.occurred_at.isoformat()}},
            upsert=True,
        )


async def current_site(merged: MergedFactories, factory_id: str) -> str:
    """The site a factory id stands for today: itself, or the end of its merge chain."""
    current = factory_id
    for _ in range(MAX_CHAIN):
        surviving = await merged.surviving_id(current)
        if surviving is None or surviving == current:
            return current
        current = surviving
    return current


def translating_merged_ids(merged: MergedFactories):
    """A consumer translator: an event about a merged site becomes one about the surviving site."""

    async def translate(payload: EventPayload) -> EventPayload:
        if isinstance(payload, FactoriesMerged):
            # Merges keyed by different survivors may arrive out of order (A into B after B into C):
            # the merged site's data goes where the survivor's went.
            surviving = await current_site(merged, payload.factory_id)
            return payload if surviving == payload.factory_id else payload.model_copy(update={"factory_id": surviving})
        if payload.TYPE in UNTRANSLATED_TYPES or payload.TOPIC == topics.REGISTRY:
            return payload
        factory_id = getattr(payload, "factory_id", None)
        if not isinstance(factory_id, str):
            return payload
        surviving = await current_site(merged, factory_id)
        if surviving == factory_id:
            return payload
        return payload.model_copy(update={"factory_id": surviving})

    return translate
