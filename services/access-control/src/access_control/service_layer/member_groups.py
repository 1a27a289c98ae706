"""Use cases of member groups: the operator publishes them; a member reads the groups it is in."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from access_control.domain.errors import MemberGroupRefused
from access_control.domain.member_groups import MemberGroup
from access_control.service_layer.permissions import require_operator, require_scope
from access_control.service_layer.ports import MemberGroupStore, OrganisationStore
from shared_audits.auth import Principal
from shared_audits.contracts.enums import ClientScope, OrganisationKind
from shared_audits.errors import NotFoundError, PermissionDeniedError

GROUPS_LISTED = 1000


@dataclass(frozen=True)
class MemberGroupView:
    """A group with its members' names: what its members agreed to show each other."""

    group: MemberGroup
    member_names: dict[str, str]


@dataclass
class MemberGroupHandlers:
    groups: MemberGroupStore
    organisations: OrganisationStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())

    async def form(self, caller: Principal, name: str, member_ids: list[str], agreement: str) -> MemberGroupView:
        """The operator publishes a new group, on the agreement of its members (recorded in ``agreement``)."""
        require_operator(caller, "publishes member groups")
        await self._require_members(member_ids)
        group = MemberGroup.form(self.new_id(), name, member_ids, agreement, caller.subject, self.clock())
        await self.groups.add(group)
        return await self._view(group)

    async def change(self, caller: Principal, group_id: str, name: str, member_ids: list[str],
                     agreement: str) -> MemberGroupView:
        """The operator publishes the group again with these members; the new list replaces the old."""
        require_operator(caller, "publishes member groups")
        group = await self._standing(group_id)
        await self._require_members(member_ids)
        group.change(name, member_ids, agreement, caller.subject, self.clock())
        await self.groups.save(group)
        return await self._view(group)

    async def dissolve(self, caller: Principal, group_id: str) -> None:
        require_operator(caller, "dissolves member groups")
        group = await self._standing(group_id)
        group.dissolve(self.clock())
        await self.groups.save(group)

    async def groups_seen_by(self, caller: Principal) -> list[MemberGroupView]:
        """The operator: every standing group. A member: the groups it is in. Nobody else."""
        if caller.is_member:
            require_scope(caller, ClientScope.LINKS_READ)
        elif not caller.is_operator:
            raise PermissionDeniedError("member groups are the operator's and their members'")
        standing = [group for group in await self.groups.find(limit=GROUPS_LISTED) if group.dissolved_at is None]
        if caller.is_member:
            standing = [group for group in standing if caller.organisation_id in group.member_ids]
        return list(await asyncio.gather(*(self._view(group) for group in sorted(standing, key=lambda g: g.name))))

    async def _standing(self, group_id: str) -> MemberGroup:
        group = await self.groups.get(group_id)
        if group is None or group.dissolved_at is not None:
            raise NotFoundError(f"member group {group_id} not found")
        return group

    async def _require_members(self, member_ids: list[str]) -> None:
        found = await asyncio.gather(*(self.organisations.get(member_id) for member_id in set(member_ids)))
        known = {organisation.id for organisation in found
                 if organisation is not None and organisation.kind == OrganisationKind.MEMBER}
        unknown = sorted(set(member_ids) - known)
        if unknown:
            raise MemberGroupRefused("body.member_ids", f"not member organisations: {', '.join(unknown)}")

    async def _view(self, group: MemberGroup) -> MemberGroupView:
        found = await asyncio.gather(*(self.organisations.get(member_id) for member_id in group.member_ids))
        return MemberGroupView(group, {organisation.id: organisation.name for organisation in found if organisation})
