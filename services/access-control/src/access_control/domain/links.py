"""Member-factory links: a member asks, the factory (or the operator on its behalf) answers; either ends it.

A link opens the site's data to the member only once accepted (FactoryLinked, which every
service's link projection reads). Until then the member sees the site's search card only.
Links made before consent was asked stay active: a stored link without a status is read
as active or ended from its ``active`` flag, and nothing is published for it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, model_validator

from access_control.domain.errors import ReasonRequiredError
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import LinkParty, LinkRelationship
from shared_audits.contracts.events import (
    FactoryLinked,
    FactoryUnlinked,
    LinkRequestAccepted,
    LinkRequestDeclined,
    LinkRequested,
    LinkRequestWithdrawn,
)
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError

MERGED = "merged"


class LinkStatus(StrEnum):
    REQUESTED = "requested"  # the member asked; the factory has not answered
    ACTIVE = "active"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the member took its request back
    ENDED = "ended"


class LinkStep(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"
    RELATIONSHIP_CHANGED = "relationship_changed"
    MOVED = "moved"  # a merge moved the link from the merged site


class LinkChange(BaseModel):
    linked: bool  # whether the link is active after this change
    relationship: LinkRelationship | None
    at: datetime
    # Why, when it was not the member's own step (e.g. "merged"), or the operator's reason.
    reason: str | None = None
    # Older entries (before consent) have neither: a linked=True entry was a link, False an unlink.
    step: LinkStep | None = None
    by: LinkParty | None = None
    request_id: str | None = None
    message: str | None = None  # the factory's (or operator's) word to the member


class MemberFactoryLink(Aggregate):
    """A member's relationship with one site, from its request to its end; the history is kept."""

    member_id: str
    factory_id: str
    relationship: LinkRelationship
    active: bool  # kept beside ``status`` for the queries and indexes of active links
    status: LinkStatus
    request_id: str | None = None  # the current (or last) request
    history: list[LinkChange]

    @model_validator(mode="before")
    @classmethod
    def _status_of_links_made_before_consent(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("status") is None:
            data = {**data, "status": LinkStatus.ACTIVE if data.get("active") else LinkStatus.ENDED}
        return data

    @staticmethod
    def id_for(member_id: str, factory_id: str) -> str:
        return f"{member_id}:{factory_id}"

    @property
    def pending(self) -> bool:
        return self.status == LinkStatus.REQUESTED

    @property
    def since(self) -> datetime:
        """When the link took its current state (its last step)."""
        return self.history[-1].at

    @property
    def requested_at(self) -> datetime | None:
        """When the current request was made (None for links made before consent or by a merge)."""
        asked = [c.at for c in self.history if c.step == LinkStep.REQUESTED and c.request_id == self.request_id]
        return asked[-1] if self.request_id and asked else None

    # the member's side

    @classmethod
    def request(
        cls, request_id: str, member_id: str, factory_id: str, relationship: LinkRelationship, now: datetime
    ) -> MemberFactoryLink:
        """A member's first request to link to a site."""
        link = cls(id=cls.id_for(member_id, factory_id), member_id=member_id, factory_id=factory_id,
                   relationship=relationship, active=False, status=LinkStatus.REQUESTED, history=[])
        link._open_request(request_id, relationship, now)
        return link

    def request_again(self, request_id: str, relationship: LinkRelationship, now: datetime) -> None:
        """The member asks again (after a decline, a withdrawal or an end) or for another relationship.

        A request already pending for the same relationship stays as it is (idempotent); for
        another relationship it is a conflict (withdraw it first). An active link changes its
        relationship at once: the factory already consented to the link.
        """
        if self.status == LinkStatus.REQUESTED:
            if relationship != self.relationship:
                raise ConflictError(f"a link request as {self.relationship.value} is pending; withdraw it first")
            return
        if self.status == LinkStatus.ACTIVE:
            if relationship == self.relationship:
                raise ConflictError("this factory is already linked with that relationship")
            self.relationship = relationship
            self._change(LinkStep.RELATIONSHIP_CHANGED, linked=True, at=now, by=LinkParty.MEMBER)
            self._record_linked(now)
            return
        self._open_request(request_id, relationship, now)

    def withdraw(self, now: datetime, reason: str | None = None) -> None:
        """The member takes its request back (or a merge moves it to the surviving site: ``reason`` "merged")."""
        self._require_pending()
        self.status = LinkStatus.WITHDRAWN
        self._change(LinkStep.WITHDRAWN, linked=False, at=now, by=None if reason else LinkParty.MEMBER,
                     reason=reason)
        self.record(LinkRequestWithdrawn(request_id=self._current_request(), member_id=self.member_id,
                                         factory_id=self.factory_id, withdrawn_at=now))

    # the factory's side (or the operator's on its behalf)

    def accept(self, by: LinkParty, now: datetime, reason: str | None = None, message: str | None = None) -> None:
        """The link becomes active: the member sees the site's data from now on."""
        reason = _reason_of(by, reason, "accepts")
        self._require_pending()
        self.status, self.active = LinkStatus.ACTIVE, True
        self._change(LinkStep.ACCEPTED, linked=True, at=now, by=by, reason=reason, message=message)
        self.record(LinkRequestAccepted(
            request_id=self._current_request(), member_id=self.member_id, factory_id=self.factory_id,
            relationship=self.relationship, accepted_at=now, accepted_by=by, reason=reason, message=message,
        ))
        self._record_linked(now)

    def decline(self, by: LinkParty, now: datetime, reason: str | None = None, message: str | None = None) -> None:
        reason = _reason_of(by, reason, "declines")
        self._require_pending()
        self.status = LinkStatus.DECLINED
        self._change(LinkStep.DECLINED, linked=False, at=now, by=by, reason=reason, message=message)
        self.record(LinkRequestDeclined(
            request_id=self._current_request(), member_id=self.member_id, factory_id=self.factory_id,
            declined_at=now, declined_by=by, reason=reason, message=message,
        ))

    # either side

    def end(self, by: LinkParty | None, now: datetime, reason: str | None = None) -> None:
        """The link ends (by the member, the factory, or a merge when ``by`` is None)."""
        if self.status != LinkStatus.ACTIVE:
            raise NotFoundError("no link to this factory")
        self.status, self.active = LinkStatus.ENDED, False
        self._change(LinkStep.ENDED, linked=False, at=now, by=by, reason=reason)
        self.record(FactoryUnlinked(member_id=self.member_id, factory_id=self.factory_id, unlinked_at=now))

    # merges: the factory consented to the site that the merged one now is

    @classmethod
    def moved_by_merge(
        cls, member_id: str, factory_id: str, relationship: LinkRelationship, now: datetime
    ) -> MemberFactoryLink:
        link = cls(id=cls.id_for(member_id, factory_id), member_id=member_id, factory_id=factory_id,
                   relationship=relationship, active=False, status=LinkStatus.ENDED, history=[])
        link.move_here(relationship, now)
        return link

    def move_here(self, relationship: LinkRelationship, now: datetime) -> None:
        """An active link moved here from a merged site (a pending request here becomes moot)."""
        self.status, self.active, self.relationship = LinkStatus.ACTIVE, True, relationship
        self._change(LinkStep.MOVED, linked=True, at=now, reason=MERGED)
        self._record_linked(now)

    # inside

    def _open_request(self, request_id: str, relationship: LinkRelationship, now: datetime) -> None:
        self.status, self.active, self.relationship, self.request_id = (
            LinkStatus.REQUESTED, False, relationship, request_id)
        self._change(LinkStep.REQUESTED, linked=False, at=now, by=LinkParty.MEMBER)
        self.record(LinkRequested(request_id=request_id, member_id=self.member_id, factory_id=self.factory_id,
                                  relationship=relationship, requested_at=now))

    def _require_pending(self) -> None:
        if self.status != LinkStatus.REQUESTED:
            raise ConflictError(f"this link request was already answered (it is {self.status.value})")

    def _current_request(self) -> str:
        assert self.request_id is not None  # a pending request always has its id
        return self.request_id

    def _change(self, step: LinkStep, linked: bool, at: datetime, by: LinkParty | None = None,
                reason: str | None = None, message: str | None = None) -> None:
        relationship = self.relationship if linked or step == LinkStep.REQUESTED else None
        self.history = [*self.history, LinkChange(
            linked=linked, relationship=relationship, at=at, reason=reason, step=step, by=by,
            request_id=self.request_id, message=message,
        )]

    def _record_linked(self, now: datetime) -> None:
        self.record(FactoryLinked(member_id=self.member_id, factory_id=self.factory_id,
                                  relationship=self.relationship, linked_at=now))


def _reason_of(by: LinkParty, reason: str | None, action: str) -> str | None:
    """The operator's reason, required; a factory answers for itself and gives none."""
    if by == LinkParty.OPERATOR:
        reason = (reason or "").strip()
        if not reason:
            raise ReasonRequiredError(f"the operator {action} a link request for the factory only with a reason")
        return reason
    if by != LinkParty.FACTORY:
        raise InvalidRequestError("only the factory, or the operator on its behalf, answers a link request")
    return None
