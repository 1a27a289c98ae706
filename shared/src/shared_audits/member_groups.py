"""Whose identity a reader sees: to a member, another member is "a linked member".

Members do not learn each other's supply chains. Wherever a read or a feed would name
another member (who mandated an audit, who decided a CAP item, whose link changed), a
member sees ``LINKED_MEMBER`` in place of that member's id and of its users' ids, unless
the operator published a member group holding both (members that agreed to see each
other's names). The operator, factories and audit companies see real ids.

Every service keeps the published groups from access-control's events, as it keeps the
links; each service's domain says which of its fields name a member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import MemberGroupDissolved, MemberGroupPublished

# What a member reads in place of another member's id (and of that member's users' ids).
# A string, so every field keeps its type: consumers of v1 payloads and responses read it unchanged.
LINKED_MEMBER = "linked-member"


@dataclass(frozen=True)
class MemberGroups:
    """The published member groups, each a set of member ids."""

    groups: tuple[frozenset[str], ...] = ()

    def together(self, member_id: str, other_id: str) -> bool:
        """Whether ``member_id`` sees ``other_id``'s name: itself, or a member of one of its groups."""
        return member_id == other_id or any(member_id in group and other_id in group for group in self.groups)


@dataclass(frozen=True)
class MemberViewer:
    """Who reads, as far as other members' ids go: ``member_id`` None sees every id."""

    member_id: str | None
    groups: MemberGroups = MemberGroups()

    @classmethod
    def of(cls, caller: Principal, groups: MemberGroups) -> MemberViewer:
        """A member sees its own id and its groups' ids; the operator, factories and audit companies all."""
        return cls(caller.organisation_id if caller.is_member else None, groups)

    def sees(self, member_id: str) -> bool:
        return self.member_id is None or self.groups.together(self.member_id, member_id)

    def shown(self, member_id: str) -> str:
        """``member_id`` as this reader may see it: the id, or ``LINKED_MEMBER``."""
        return member_id if self.sees(member_id) else LINKED_MEMBER


class MemberGroupSource(Protocol):
    async def current(self) -> MemberGroups: ...


class MongoMemberGroups:
    """One document per published group (``_id`` the group id); a dissolved group is removed."""

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def current(self) -> MemberGroups:
        cursor = self._collection.find({}, {"member_ids": 1})
        return MemberGroups(tuple([frozenset(document["member_ids"]) async for document in cursor]))

    async def apply_published(self, event: MemberGroupPublished, envelope: EventEnvelope) -> None:
        # Events of one group share its partition key, so they arrive in order: the last one wins.
        await self._collection.replace_one(
            {"_id": event.group_id},
            {"name": event.name, "member_ids": sorted(set(event.member_ids)), "published_at": event.published_at},
            upsert=True,
        )

    async def apply_dissolved(self, event: MemberGroupDissolved, envelope: EventEnvelope) -> None:
        await self._collection.delete_one({"_id": event.group_id})
