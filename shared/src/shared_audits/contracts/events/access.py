"""Events published by access-control."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.enums import (
    AccreditationStatus,
    LinkParty,
    LinkRelationship,
    OrganisationKind,
    UserRole,
)
from shared_audits.contracts.envelope import EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


class OrganisationRegistered(EventPayload):
    TYPE = "OrganisationRegistered"
    VERSION = 1
    TOPIC = topics.ACCESS

    organisation_id: Id
    name: str = Field(max_length=200)
    kind: OrganisationKind
    factory_id: Id | None = None
    # Audit companies: when the trial they start on ends (None for other kinds and from older producers).
    trial_ends_at: datetime | None = None

    def partition_key(self) -> str:
        return self.organisation_id


class LinkRequested(EventPayload):
    """A member asked to link to a site: nothing of the site opens to it until the request is accepted.

    Told to the requesting member only, never to another member; the factory lists its
    pending requests at access-control.
    """

    TYPE = "LinkRequested"
    VERSION = 1
    TOPIC = topics.ACCESS

    request_id: Id
    member_id: Id
    factory_id: Id
    relationship: LinkRelationship
    requested_at: datetime


class LinkRequestAccepted(EventPayload):
    """The factory, or the operator on its behalf (``reason`` then says why), accepted a link request.

    ``message`` is a word to the member. FactoryLinked follows in the same write: that one is
    what every link projection reads.
    """

    TYPE = "LinkRequestAccepted"
    VERSION = 1
    TOPIC = topics.ACCESS

    request_id: Id
    member_id: Id
    factory_id: Id
    relationship: LinkRelationship
    accepted_at: datetime
    accepted_by: LinkParty
    reason: str | None = Field(default=None, max_length=1000)
    message: str | None = Field(default=None, max_length=1000)


class LinkRequestDeclined(EventPayload):
    """The factory, or the operator on its behalf (``reason`` then says why), declined a link request.

    ``message`` is a word to the member.
    """

    TYPE = "LinkRequestDeclined"
    VERSION = 1
    TOPIC = topics.ACCESS

    request_id: Id
    member_id: Id
    factory_id: Id
    declined_at: datetime
    declined_by: LinkParty
    reason: str | None = Field(default=None, max_length=1000)
    message: str | None = Field(default=None, max_length=1000)


class LinkRequestWithdrawn(EventPayload):
    """The member withdrew its link request before it was answered."""

    TYPE = "LinkRequestWithdrawn"
    VERSION = 1
    TOPIC = topics.ACCESS

    request_id: Id
    member_id: Id
    factory_id: Id
    withdrawn_at: datetime


# FactoryLinked and FactoryUnlinked keep their payloads: every service's link projection reads them,
# and a consumer refuses fields it does not know. Who accepted a link is told by LinkRequestAccepted.


class FactoryLinked(EventPayload):
    """The link is active: the member sees the site's data (since links need consent: once accepted)."""

    TYPE = "FactoryLinked"
    VERSION = 1
    TOPIC = topics.ACCESS

    member_id: Id
    factory_id: Id
    relationship: LinkRelationship
    linked_at: datetime


class FactoryUnlinked(EventPayload):
    """The link ended, by the member or the factory (or moved by a merge): the member no longer sees the site."""

    TYPE = "FactoryUnlinked"
    VERSION = 1
    TOPIC = topics.ACCESS

    member_id: Id
    factory_id: Id
    unlinked_at: datetime


class CodeOfConductSigned(EventPayload):
    TYPE = "CodeOfConductSigned"
    VERSION = 1
    TOPIC = topics.ACCESS

    organisation_id: Id
    code_version: str = Field(max_length=50)
    signed_by: str = Field(max_length=200)
    signed_at: datetime
    factory_id: Id | None = None

    def partition_key(self) -> str:
        return self.factory_id or self.organisation_id


class CodeOfConductPublished(EventPayload):
    """The operator published a Code of Conduct version; the newest published is the current one."""

    TYPE = "CodeOfConductPublished"
    VERSION = 1
    TOPIC = topics.ACCESS

    code_version: str = Field(max_length=50)
    title: str = Field(max_length=200)
    content_sha256: str = Field(max_length=64)
    published_at: datetime

    def partition_key(self) -> str:
        # One key for every version, so consumers see publications in order: the last is current.
        return "code-of-conduct"


class UserInvited(EventPayload):
    """What the notifier needs to send the invitation e-mail.

    ``acceptance_token`` is the one secret: single use, short-lived, kept only as a
    hash by access-control, and never returned to the inviting admin (who could
    otherwise accept in the invitee's name). The e-mail must carry it anyway.
    """

    TYPE = "UserInvited"
    VERSION = 1
    TOPIC = topics.ACCESS

    user_id: Id
    organisation_id: Id
    organisation_name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    roles: list[UserRole] = Field(max_length=4)
    invited_by: str = Field(max_length=200)
    acceptance_token: str = Field(max_length=200)
    expires_at: datetime

    def partition_key(self) -> str:
        return self.organisation_id


class AuditCompanyAccreditationChanged(EventPayload):
    """The operator changed an audit company's accreditation (audit-service refuses mandates by it).

    A suspended company, or one still on trial after ``trial_ends_at``, cannot be mandated.
    """

    TYPE = "AuditCompanyAccreditationChanged"
    VERSION = 1
    TOPIC = topics.ACCESS

    organisation_id: Id
    status: AccreditationStatus
    previous_status: AccreditationStatus
    reason: str = Field(max_length=1000)
    changed_at: datetime
    # When the company's trial ends or ended, whatever the status (None from older producers).
    trial_ends_at: datetime | None = None

    def partition_key(self) -> str:
        return self.organisation_id


class MemberGroupPublished(EventPayload):
    """A group of members that agreed to see each other's names, as the operator published it (whole).

    To a member, another member is "a linked member" in every read and feed (``linked-member``
    in place of its id and of its users' ids), unless both are in one published group. Every
    service keeps the groups from these events; a later publication of the group replaces it.
    """

    TYPE = "MemberGroupPublished"
    VERSION = 1
    TOPIC = topics.ACCESS

    group_id: Id
    name: str = Field(max_length=200)
    member_ids: list[Id] = Field(min_length=2, max_length=500)
    published_at: datetime

    def partition_key(self) -> str:
        return self.group_id


class MemberGroupDissolved(EventPayload):
    """The operator dissolved a member group: its members see each other as "a linked member" again."""

    TYPE = "MemberGroupDissolved"
    VERSION = 1
    TOPIC = topics.ACCESS

    group_id: Id
    dissolved_at: datetime

    def partition_key(self) -> str:
        return self.group_id


class AuditCompanyAccreditationRestated(EventPayload):
    """access-control tells again an audit company's current accreditation: nothing changed.

    Published for every audit company when the operator asks for a restatement, so that a
    service that started listening after some decisions learns them. ``decided_at`` is when the
    current status was decided (the last decision, or the trial's start when there was none): a
    consumer applies it as that decision, never over a later one, and an equal state changes nothing.
    Nobody is told of it.
    """

    TYPE = "AuditCompanyAccreditationRestated"
    VERSION = 1
    TOPIC = topics.ACCESS

    organisation_id: Id
    status: AccreditationStatus
    decided_at: datetime
    trial_ends_at: datetime | None = None
    restated_at: datetime

    def partition_key(self) -> str:
        return self.organisation_id
