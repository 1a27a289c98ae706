"""The member-factory link projection every service keeps, fed by access-control's events.

Every read and write of factory-scoped data is checked against it (object-level
authorisation); nothing on a request's path asks access-control.
"""

from __future__ import annotations

from typing import Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoryLinked, FactoryUnlinked


class LinkProjection(Protocol):
    async def is_linked(self, member_id: str, factory_id: str) -> bool: ...
    async def members_of(self, factory_id: str) -> list[str]: ...
    async def members_of_many(self, factory_ids: list[str]) -> dict[str, list[str]]: ...
    async def factories_of(self, member_id: str) -> list[str]: ...
    async def apply_changes(self, changes: list[tuple[FactoryLinked | FactoryUnlinked, EventEnvelope]]) -> None: ...


class MongoLinkProjection:
    """One record per member and factory (``<member>:<factory>``): the current state and its history.

    ``members_of`` (notifier's fan-out of every event) and ``factories_of`` (lists scoped
    to a member) read the indexes on ``factory_id`` and ``member_id``.
    """

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("factory_id", 1), ("linked", 1)])
        await self._collection.create_index([("member_id", 1), ("linked", 1)])
        # Documents of the earlier layout (per-factory and per-member lists, a schema marker) hold no link.
        await self._collection.delete_many({"linked": {"$exists": False}})

    async def is_linked(self, member_id: str, factory_id: str) -> bool:
        found = await self._collection.find_one({"_id": _link_id(member_id, factory_id)}, {"linked": 1})
        return bool(found and found.get("linked"))

    async def members_of(self, factory_id: str) -> list[str]:
        return (await self.members_of_many([factory_id])).get(factory_id, [])

    async def members_of_many(self, factory_ids: list[str]) -> dict[str, list[str]]:
        """The linked members of each factory, in one read."""
        cursor = self._collection.find({"factory_id": {"$in": list(factory_ids)}, "linked": True},
                                       {"member_id": 1, "factory_id": 1, "_id": 0})
        members: dict[str, list[str]] = {}
        async for record in cursor:
            members.setdefault(record["factory_id"], []).append(record["member_id"])
        return {factory_id: sorted(ids) for factory_id, ids in members.items()}

    async def factories_of(self, member_id: str) -> list[str]:
        cursor = self._collection.find({"member_id": member_id, "linked": True}, {"factory_id": 1, "_id": 0})
        return sorted([record["factory_id"] async for record in cursor])

    async def apply_changes(self, changes: list[tuple[FactoryLinked | FactoryUnlinked, EventEnvelope]]) -> None:
        """Links and unlinks in order, in one ordered bulk write.

        Events about one factory arrive in order (same partition key), so the last one wins.
        A redelivered event changes nothing twice: its history entry is the same value.
        """
        if not changes:
            return
        await self._collection.bulk_write([_link_update(event, envelope) for event, envelope in changes],
                                          ordered=True)


def _link_update(event: FactoryLinked | FactoryUnlinked, envelope: EventEnvelope) -> UpdateOne:
    linked = isinstance(event, FactoryLinked)
    change = {"event_id": str(envelope.event_id), "linked": linked, "at": envelope.occurred_at}
    return UpdateOne(
        {"_id": _link_id(event.member_id, event.factory_id)},
        {"$set": {"member_id": event.member_id, "factory_id": event.factory_id, "linked": linked,
                  "changed_at": envelope.occurred_at},
         "$addToSet": {"history": change}},
        upsert=True,
    )


def _link_id(member_id: str, factory_id: str) -> str:
    return f"{member_id}:{factory_id}"


async def may_see_factory(principal: Principal, factory_id: str, links: LinkProjection) -> bool:
    """The platform-wide rule: operators see all, members their linked sites, a factory itself."""
    if principal.is_operator:
        return True
    if principal.is_member:
        return await links.is_linked(principal.organisation_id, factory_id)
    if principal.is_factory:
        return principal.factory_id == factory_id
    return False
