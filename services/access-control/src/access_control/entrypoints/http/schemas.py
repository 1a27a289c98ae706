from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared_audits.contracts.enums import LinkRelationship, OrganisationKind


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterOrganisation(Request):
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    factory_id: str | None = Field(default=None, max_length=64)


class OrganisationOut(BaseModel):
    organisation_id: str
    name: str
    kind: OrganisationKind
    factory_id: str | None
    client_id: str


class RegisteredOrganisationOut(OrganisationOut):
    client_secret: str = Field(description="Shown once; store it safely")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class LinkFactory(Request):
    factory_id: str = Field(min_length=1, max_length=64)
    relationship: LinkRelationship = LinkRelationship.SUPPLIER


class LinkOut(BaseModel):
    member_id: str
    factory_id: str
    relationship: LinkRelationship
    active: bool
    since: datetime
