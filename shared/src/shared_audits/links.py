"""The member-factory link projection every service keeps, fed by access-control's events.

Every read and write of factory-scoped data is checked against it (object-level
authorisation); nothing on a request's path asks access-control.
"""

from __future__ import annotations

from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoryLinked, FactoryUnlinked
from shared_audits.document_locks import DOCUMENT_LOCKS


class LinkProjection(Protocol):
    async def is_linked(self, member_id: str, factory_id: str) -> bool: ...
    async def members_of(self, factory_id: str) -> list[str]: ...
    async def factories_of(self, member_id: str) -> list[str]: ...
    async def apply_linked(self, event: FactoryLinked, envelope: EventEnvelope) -> None: ...
    async def apply_unlinked(self, event: FactoryUnlinked, envelope: EventEnvelope) -> None: ...


class MongoLinkProjection:
    """Links kept so that every read is by ``_id`` (FerretDB v1 reads any other filter by a full scan).

    Three kinds of documents in one collection:
    - a link record per member and factory (``<member>:<factory>``): the current state and its history;
    - a factory's members (``factory:<id>``, ``members``): notifier's fan-out of every event reads it;
    - a member's factories (``member:<id>``, ``factories``): lists scoped to a member read it.
    The two index documents change with ``$addToSet`` and ``$pull`` (atomic on MongoDB); inside one
    process every change of one document is serialised as well, which FerretDB v1 needs.
    """

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        """Build the index documents from the link records once (collections written before they existed)."""
        marker = await self._collection.find_one({"_id": _SCHEMA_MARKER})
        if marker is not None and marker.get("version", 0) >= _SCHEMA_VERSION:
            return
        members: dict[str, set[str]] = {}
        factories: dict[str, set[str]] = {}
        async for record in self._collection.find({"member_id": {"$exists": True}, "linked": True},
                                                  {"member_id": 1, "factory_id": 1}):
            members.setdefault(record["factory_id"], set()).add(record["member_id"])
            factories.setdefault(record["member_id"], set()).add(record["factory_id"])
        for factory_id, member_ids in members.items():
            await self._collection.update_one({"_id": _factory_doc(factory_id)},
                                              {"$set": {"members": sorted(member_ids)}}, upsert=True)
        for member_id, factory_ids in factories.items():
            await self._collection.update_one({"_id": _member_doc(member_id)},
                                              {"$set": {"factories": sorted(factory_ids)}}, upsert=True)
        await self._collection.update_one({"_id": _SCHEMA_MARKER}, {"$set": {"version": _SCHEMA_VERSION}},
                                          upsert=True)

    async def is_linked(self, member_id: str, factory_id: str) -> bool:
        found = await self._collection.find_one({"_id": _link_id(member_id, factory_id)}, {"linked": 1})
        return bool(found and found.get("linked"))

    async def members_of(self, factory_id: str) -> list[str]:
        found = await self._collection.find_one({"_id": _factory_doc(factory_id)}, {"members": 1})
        return sorted(found.get("members") or []) if found else []

    async def factories_of(self, member_id: str) -> list[str]:
        found = await self._collection.find_one({"_id": _member_doc(member_id)}, {"factories": 1})
        return sorted(found.get("factories") or []) if found else []

    async def apply_linked(self, event: FactoryLinked, envelope: EventEnvelope) -> None:
        await self._set(event.member_id, event.factory_id, True, envelope)

    async def apply_unlinked(self, event: FactoryUnlinked, envelope: EventEnvelope) -> None:
        await self._set(event.member_id, event.factory_id, False, envelope)

    async def _set(self, member_id: str, factory_id: str, linked: bool, envelope: EventEnvelope) -> None:
        # Events about one factory arrive in order (same partition key), so the last one wins.
        # A redelivered event (crash before it was recorded as handled) changes nothing twice.
        link_id = _link_id(member_id, factory_id)
        change = {"event_id": str(envelope.event_id), "linked": linked, "at": envelope.occurred_at}
        async with DOCUMENT_LOCKS.hold(self._collection.full_name, link_id):
            record = await self._collection.find_one({"_id": link_id}, {"history.event_id": 1})
            seen = {entry.get("event_id") for entry in (record or {}).get("history") or []}
            update: dict = {"$set": {"member_id": member_id, "factory_id": factory_id, "linked": linked,
                                     "changed_at": envelope.occurred_at}}
            if change["event_id"] not in seen:
                update["$push"] = {"history": change}
            await self._collection.update_one({"_id": link_id}, update, upsert=True)
        operator = "$addToSet" if linked else "$pull"
        for document_id, field, value in ((_factory_doc(factory_id), "members", member_id),
                                          (_member_doc(member_id), "factories", factory_id)):
            async with DOCUMENT_LOCKS.hold(self._collection.full_name, document_id):
                await self._collection.update_one({"_id": document_id}, {operator: {field: value}}, upsert=True)


class InMemoryLinkProjection:
    """The same projection for unit tests."""

    def __init__(self, links: set[tuple[str, str]] | None = None) -> None:
        self.links = set(links or ())

    async def is_linked(self, member_id: str, factory_id: str) -> bool:
        return (member_id, factory_id) in self.links

    async def members_of(self, factory_id: str) -> list[str]:
        return sorted(member for member, factory in self.links if factory == factory_id)

    async def factories_of(self, member_id: str) -> list[str]:
        return sorted(factory for member, factory in self.links if member == member_id)

    async def apply_linked(self, event: FactoryLinked, envelope: EventEnvelope) -> None:
        self.links.add((event.member_id, event.factory_id))

    async def apply_unlinked(self, event: FactoryUnlinked, envelope: EventEnvelope) -> None:
        self.links.discard((event.member_id, event.factory_id))


_SCHEMA_MARKER = "schema:links"
_SCHEMA_VERSION = 2  # 2: index documents per factory and per member


def _link_id(member_id: str, factory_id: str) -> str:
    return f"{member_id}:{factory_id}"


def _factory_doc(factory_id: str) -> str:
    return f"factory:{factory_id}"


def _member_doc(member_id: str) -> str:
    return f"member:{member_id}"


async def may_see_factory(principal: Principal, factory_id: str, links: LinkProjection) -> bool:
    """The platform-wide rule: operators see all, members their linked sites, a factory itself."""
    if principal.is_operator:
        return True
    if principal.is_member:
        return await links.is_linked(principal.organisation_id, factory_id)
    if principal.is_factory:
        return principal.factory_id == factory_id
    return False
