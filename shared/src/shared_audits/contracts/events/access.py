"""Events published by access-control."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.enums import (
    LinkRelationship,
    OrganisationKind,
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

    def partition_key(self) -> str:
        return self.organisation_id


class FactoryLinked(EventPayload):
    TYPE = "FactoryLinked"
    VERSION = 1
    TOPIC = topics.ACCESS

    member_id: Id
    factory_id: Id
    relationship: LinkRelationship
    linked_at: datetime


class FactoryUnlinked(EventPayload):
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
