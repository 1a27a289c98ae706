"""Request and response bodies; requests forbid unknown fields and bound every string and list."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from access_control.domain.links import LinkStatus, LinkStep
from shared_audits.contracts.enums import (
    AccreditationStatus,
    ClientScope,
    LinkParty,
    LinkRelationship,
    OrganisationKind,
    UserRole,
)

CODE_VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,49}$"


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# organisations and accreditation

class RegisterOrganisation(Request):
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    factory_id: str | None = Field(default=None, max_length=64)


class AccreditationDecisionOut(BaseModel):
    status: AccreditationStatus
    reason: str
    decided_by: str
    at: datetime
    rules_version: str


class AccreditationOut(BaseModel):
    status: AccreditationStatus
    trial_started_at: datetime
    trial_ends_at: datetime = Field(description="Until then a company on trial can be mandated; then only once "
                                                "accredited")
    mandating_members: int
    decisions: list[AccreditationDecisionOut]


class OrganisationOut(BaseModel):
    organisation_id: str
    name: str
    kind: OrganisationKind
    factory_id: str | None
    client_id: str
    accreditation: AccreditationOut | None = None


class OrganisationSummaryOut(BaseModel):
    """One entry of the directory; the full record (and the accreditation decisions) at /organisations/{id}."""

    organisation_id: str
    name: str
    kind: OrganisationKind
    factory_id: str | None = Field(description="A factory organisation's site; None for other kinds")
    accreditation_status: AccreditationStatus | None = Field(description="Audit companies only")
    registered_at: datetime


class RegisteredOrganisationOut(OrganisationOut):
    client_secret: str = Field(description="Shown once; store it safely")


class DecideAccreditation(Request):
    status: AccreditationStatus
    reason: str = Field(min_length=1, max_length=1000)


class MoveTrialStart(Request):
    """Development only: the day an audit company's trial begins (tests and demos of its end)."""

    trial_started_at: AwareDatetime


class AccreditationRestatementOut(BaseModel):
    restated: int = Field(description="How many audit companies' accreditations were published again")
    restated_at: datetime


# tokens

class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class SessionTokensOut(TokenOut):
    refresh_token: str = Field(description="Single use: each refresh returns a new one")
    refresh_expires_in: int


class Login(Request):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)


class RefreshTokenIn(Request):
    refresh_token: str = Field(min_length=1, max_length=200)


class SigningKeyOut(BaseModel):
    kid: str
    created_at: datetime
    activates_at: datetime
    retire_after: datetime | None


# users

class InviteUser(Request):
    email: EmailStr = Field(max_length=254)
    roles: list[UserRole] = Field(min_length=1, max_length=4)
    organisation_id: str | None = Field(default=None, max_length=64, description="Operator only; default: yours")


class AcceptInvitation(Request):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=128)


class UserOut(BaseModel):
    user_id: str
    organisation_id: str
    email: str
    roles: list[UserRole]
    status: str
    invited_at: datetime
    invitation_expires_at: datetime | None
    activated_at: datetime | None


# machine clients

class CreateClient(Request):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[ClientScope] = Field(min_length=1, max_length=len(ClientScope))


class ClientOut(BaseModel):
    client_id: str
    name: str
    scopes: list[ClientScope]
    created_at: datetime
    revoked_at: datetime | None


class CreatedClientOut(ClientOut):
    client_secret: str = Field(description="Shown once; store it safely")


# Code of Conduct

class PublishCodeOfConduct(Request):
    version: str = Field(pattern=CODE_VERSION_PATTERN, max_length=50)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=200_000)


class CodeOfConductOut(BaseModel):
    version: str
    title: str
    text: str
    content_sha256: str
    published_at: datetime


class SignCodeOfConduct(Request):
    code_version: str = Field(pattern=CODE_VERSION_PATTERN, max_length=50)


class SignatureOut(BaseModel):
    organisation_id: str
    code_version: str
    content_sha256: str
    signed_by: str
    signed_at: datetime
    factory_id: str | None


# links

class LinkFactory(Request):
    factory_id: str = Field(min_length=1, max_length=64)
    relationship: LinkRelationship = LinkRelationship.SUPPLIER


class AnswerLinkRequest(Request):
    """The factory's (or the operator's) answer to a link request."""

    message: str | None = Field(default=None, max_length=1000, description="A word to the member (optional)")
    reason: str | None = Field(
        default=None, max_length=1000,
        description="The operator only, and then required: why it answers for the factory (recorded, published)",
    )


class LinkChangeOut(BaseModel):
    linked: bool = Field(description="Whether the link is active after this change")
    relationship: LinkRelationship | None
    at: datetime
    reason: str | None = None
    step: LinkStep | None = Field(default=None, description="None for changes made before links needed consent")
    by: LinkParty | None = None
    request_id: str | None = None
    message: str | None = None


class LinkOut(BaseModel):
    member_id: str
    factory_id: str
    relationship: LinkRelationship
    active: bool = Field(description="True once the factory accepted (the member sees the site's data)")
    status: LinkStatus
    request_id: str | None = Field(description="The current (or last) link request; None for links made before "
                                               "consent")
    since: datetime = Field(description="When the link took its current status")


class LinkHistoryOut(LinkOut):
    history: list[LinkChangeOut]


class LinkRequestOut(BaseModel):
    """A link request as the factory and the operator see it: who asks, by name."""

    request_id: str
    member_id: str
    member_name: str
    factory_id: str
    relationship: LinkRelationship
    status: LinkStatus
    requested_at: datetime | None
    since: datetime


class FactoryLinkOut(BaseModel):
    """A member linked to the factory's site, as the factory sees it."""

    member_id: str
    member_name: str
    relationship: LinkRelationship
    since: datetime


# member groups

class PublishMemberGroup(Request):
    """A group of members that agreed to see each other's names; the whole list of its members."""

    name: str = Field(min_length=1, max_length=200)
    member_ids: list[str] = Field(min_length=2, max_length=500, description="At least two member organisations")
    agreement: str = Field(min_length=1, max_length=1000,
                           description="What the members agreed to and where the agreement is kept (recorded)")


class GroupMemberOut(BaseModel):
    member_id: str
    name: str | None = Field(description="None when the organisation is not known here any more")


class MemberGroupOut(BaseModel):
    """A member group: its members see each other's ids in every read and feed, not "linked-member"."""

    group_id: str
    name: str
    members: list[GroupMemberOut]
    agreement: str | None = Field(description="The operator's record of the agreement; None for a member")
    published_at: datetime
