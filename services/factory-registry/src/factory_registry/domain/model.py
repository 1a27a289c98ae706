"""Production sites as registered in the shared database."""

from __future__ import annotations

from datetime import datetime

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from factory_registry.domain.values import Contact, Coordinates, Identifiers, NumberOfWorkers
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import FactoriesMerged, FactoryRegistered


def _every_sector(data: Any) -> Any:
    """``sector`` is the first of ``sectors``: given either, both are set (older records had one)."""
    if isinstance(data, dict):
        sector, sectors = data.get("sector"), list(data.get("sectors") or [])
        if sector and sector not in sectors:
            sectors.insert(0, sector)
        data = {**data, "sectors": sectors, "sector": sector or (sectors[0] if sectors else None)}
    return data


class SiteDetails(BaseModel):
    """What a registrant says about a site; validated at the edge, kept as given (names in any script)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    country: str
    city: str | None = None
    address: str | None = None
    legal_name: str | None = None
    coordinates: Coordinates | None = None
    sector: str | None = None
    sectors: list[str] = Field(default_factory=list)
    product_types: list[str] = Field(default_factory=list)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    contact: Contact | None = None
    # Open Supply Hub's shape: how many work there, what the site does, which processes.
    number_of_workers: NumberOfWorkers | None = None
    location_type: str | None = None
    processing_type: list[str] = Field(default_factory=list)

    _every_sector = model_validator(mode="before")(_every_sector)


class Factory(Aggregate):
    name: str
    country: str
    city: str | None = None
    address: str | None = None
    legal_name: str | None = None
    coordinates: Coordinates | None = None
    sector: str | None = None
    sectors: list[str] = Field(default_factory=list)
    product_types: list[str] = Field(default_factory=list)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    contact: Contact | None = None
    number_of_workers: NumberOfWorkers | None = None
    location_type: str | None = None
    processing_type: list[str] = Field(default_factory=list)
    # Blocking keys of the duplicate rule (domain.matching.site_keys), looked up by the database.
    match_keys: list[str] = Field(default_factory=list)
    match_keys_version: str | None = None
    registered_by: str
    registered_at: datetime
    merged_into: str | None = None
    merged_at: datetime | None = None

    _every_sector = model_validator(mode="before")(_every_sector)

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
