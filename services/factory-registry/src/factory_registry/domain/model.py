"""Production sites as registered in the shared database."""

from __future__ import annotations

from datetime import datetime

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import FactoryRegistered


class Factory(Aggregate):
    name: str
    country: str
    city: str | None = None
    address: str | None = None
    registered_by: str
    registered_at: datetime

    @classmethod
    def register(
        cls,
        factory_id: str,
        name: str,
        country: str,
        city: str | None,
        address: str | None,
        registered_by: str,
        now: datetime,
    ) -> Factory:
        factory = cls(
            id=factory_id,
            name=name,
            country=country,
            city=city,
            address=address,
            registered_by=registered_by,
            registered_at=now,
        )
        factory.record(FactoryRegistered(factory_id=factory_id, name=name, country=country, city=city))
        return factory
