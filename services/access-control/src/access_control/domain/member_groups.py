"""Member groups: members that agreed to see each other's names, as the operator publishes them.

By default a member sees another member as "a linked member" everywhere (who mandated an
audit, who decided a CAP item, whose link changed). A group the operator publishes, on the
agreement of its members, lifts that between them; every service follows it from the events.
A dissolved group stays recorded.
"""

from __future__ import annotations

from datetime import datetime

from access_control.domain.errors import MemberGroupRefused
from shared_audits.aggregate import Aggregate
from shared_audits.auth import Principal
from shared_audits.contracts.events import MemberGroupDissolved, MemberGroupPublished
from shared_audits.errors import NotFoundError


class MemberGroup(Aggregate):
    name: str
    member_ids: list[str]
    agreement: str  # what the members agreed to and where it is kept (the operator's record)
    published_by: str
    published_at: datetime
    dissolved_at: datetime | None = None

    @classmethod
    def form(cls, group_id: str, name: str, member_ids: list[str], agreement: str, by: str,
             now: datetime) -> MemberGroup:
        group = cls(id=group_id, name=name, member_ids=_distinct(member_ids), agreement=agreement,
                    published_by=by, published_at=now)
        group._publish()
        return group

    def agreement_for(self, caller: Principal) -> str | None:
        """The agreement is the operator's record: the group's members see the group without it."""
        return self.agreement if caller.is_operator else None

    def change(self, name: str, member_ids: list[str], agreement: str, by: str, now: datetime) -> None:
        """Publish the group again with these members (the whole list): it replaces the previous one."""
        self._require_standing()
        self.name, self.member_ids, self.agreement = name, _distinct(member_ids), agreement
        self.published_by, self.published_at = by, now
        self._publish()

    def dissolve(self, now: datetime) -> None:
        self._require_standing()
        self.dissolved_at = now
        self.record(MemberGroupDissolved(group_id=self.id, dissolved_at=now))

    def _require_standing(self) -> None:
        if self.dissolved_at is not None:
            raise NotFoundError(f"member group {self.id} not found")

    def _publish(self) -> None:
        self.record(MemberGroupPublished(group_id=self.id, name=self.name, member_ids=self.member_ids,
                                         published_at=self.published_at))


def _distinct(member_ids: list[str]) -> list[str]:
    distinct = sorted(set(member_ids))
    if len(distinct) < 2:
        raise MemberGroupRefused("body.member_ids", "a member group holds at least two different members")
    return distinct
