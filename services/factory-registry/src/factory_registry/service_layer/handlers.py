"""Use cases of factory-registry."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from factory_registry.domain.model import Factory
from shared_audits.auth import Principal
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory
from shared_audits.store import InMemoryAggregateStore, MongoAggregateStore

FactoryStore = MongoAggregateStore[Factory] | InMemoryAggregateStore[Factory]


@dataclass
class FactoryRegistry:
    factories: FactoryStore
    links: LinkProjection
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def register_factory(
        self, caller: Principal, name: str, country: str, city: str | None, address: str | None
    ) -> Factory:
        if not (caller.is_operator or caller.is_member):
            raise PermissionDeniedError("only the operator or a member registers a production site")
        factory = Factory.register(
            str(uuid.uuid4()), name, country, city, address, caller.organisation_id, self.clock()
        )
        await self.factories.add(factory)
        return factory

    async def factory_for(self, caller: Principal, factory_id: str) -> Factory:
        """A site the caller may see; any other id answers as if it did not exist."""
        factory = await self.factories.get(factory_id)
        if factory is None or not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"factory {factory_id} not found")
        return factory

    async def visible_factories(self, caller: Principal) -> list[Factory]:
        if caller.is_operator:
            return await self.factories.find()
        if caller.is_member:
            ids = await self.links.factories_of(caller.organisation_id)
        elif caller.is_factory and caller.factory_id:
            ids = [caller.factory_id]
        else:
            ids = []
        found = [await self.factories.get(factory_id) for factory_id in sorted(ids)]
        return [factory for factory in found if factory is not None]
