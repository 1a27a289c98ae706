"""Events published by factory-registry."""

from __future__ import annotations

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.envelope import EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


class FactoryRegistered(EventPayload):
    TYPE = "FactoryRegistered"
    VERSION = 1
    TOPIC = topics.REGISTRY

    factory_id: Id
    name: str = Field(max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    city: str | None = Field(default=None, max_length=100)


class FactoryProfileSubmitted(EventPayload):
    TYPE = "FactoryProfileSubmitted"
    VERSION = 1
    TOPIC = topics.REGISTRY

    factory_id: Id
    profile_version: int = Field(ge=1)
    workforce_total: int = Field(ge=0)
    # Optional within v1: the profile's completeness score (0-100), by the registry's rules.
    completeness: int | None = Field(default=None, ge=0, le=100)


class FactoriesMerged(EventPayload):
    TYPE = "FactoriesMerged"
    VERSION = 1
    TOPIC = topics.REGISTRY

    factory_id: Id  # the surviving site
    merged_factory_id: Id
