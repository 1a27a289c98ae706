"""Production sites as registered in the shared database."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from factory_registry.domain.values import Contact, Coordinates, Identifiers
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import FactoriesMerged, FactoryRegistered


class SiteDetails(BaseModel):
    """What a registrant says about a site; validated at the edge, kept as given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    country: str
    city: str | None = None
    address: str | None = None
    legal_name: str | None = None
    coordinates: Coordinates | None = None
    sector: str | None = None
    product_types: list[str] = Field(default_factory=list)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    contact: Contact | None = None


class Factory(Aggregate):
    name: str
    country: str
    city: str | None = None
    address: str | None = None
    legal_name: str | None = None
    coordinates: Coordinates | None = None
    sector: str | None = None
    product_types: list[str] = Field(default_factory=list)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    contact: Contact | None = None
    registered_by: str
    registered_at: datetime
    merged_into: str | None = None
    merged_at: datetime | None = None

    @classmethod
    def register(cls, factory_id: str, details: SiteDetails, registered_by: str, now: datetime) -> Factory:
        factory = cls(id=factory_id, **details.model_dump(), registered_by=registered_by, registered_at=now)
        factory.record(
            FactoryRegistered(factory_id=factory_id, name=details.name, country=details.country, city=details.city)
        )
        return factory

    @property
    def is_merged(self) -> bool:
        return self.merged_into is not None

    def merge_into(self, surviving: Factory, now: datetime) -> None:
        """This site is the same as ``surviving``: its id now points there."""
        self.merged_into = surviving.id
        self.merged_at = now
        self.record(FactoriesMerged(factory_id=surviving.id, merged_factory_id=self.id))


def site_card(site: Factory) -> dict:
    """What any member may learn of any site (search, duplicates, supply chain): never profile data."""
    return {
        "factory_id": site.id,
        "name": site.name,
        "city": site.city,
        "country": site.country,
        "identifiers": site.identifiers.model_dump(mode="json", exclude_none=True),
    }
