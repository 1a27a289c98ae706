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


class LinkProjection(Protocol):
    async def is_linked(self, member_id: str, factory_id: str) -> bool: ...
    async def members_of(self, factory_id: str) -> list[str]: ...
    async def factories_of(self, member_id: str) -> list[str]: ...
    async def apply_linked(self, event: FactoryLinked, envelope: EventEnvelope) -> None: ...
    async def apply_unlinked(self, event: FactoryUnlinked, envelope: EventEnvelope) -> None: ...


class MongoLinkProjection:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("factory_id", 1), ("linked", 1)])
        await self._collection.create_index([("member_id", 1), ("linked", 1)])

    async def is_linked(self, member_id: str, factory_id: str) -> bool:
        found = await self._collection.find_one({"_id": _link_id(member_id, factory_id), "linked": True}, {"_id": 1})
        return found is not None

    async def members_of(self, factory_id: str) -> list[str]:
        cursor = self._collection.find({"factory_id": factory_id, "linked": True}, {"member_id": 1})
        return [document["member_id"] async for document in cursor]

    async def factories_of(self, member_id: str) -> list[str]:
        cursor = self._collection.find({"member_id": member_id, "linked": True}, {"factory_id": 1})
        return [document["factory_id"] async for document in cursor]

    async def apply_linked(self, event: FactoryLinked, envelope: EventEnvelope) -> None:
        await self._set(event.member_id, event.factory_id, True, envelope)

    async def apply_unlinked(self, event: FactoryUnlinked, envelope: EventEnvelope) -> None:
        await self._set(event.member_id, event.factory_id, False, envelope)

    async def _set(self, member_id: str, factory_id: str, linked: bool, envelope: EventEnvelope) -> None:
        # Events about one factory arrive in order (same partition key), so the last one wins.
        await self._collection.update_one(
            {"_id": _link_id(member_id, factory_id)},
            {"$set": {"member_id": member_id, "factory_id": factory_id, "linked": linked,
                      "changed_at": envelope.occurred_at}},
            upsert=True,
        )


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
