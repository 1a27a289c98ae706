"""HTTP routes of factory-registry."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from factory_registry.domain.model import Factory
from factory_registry.entrypoints.http.schemas import FactoryOut, RegisterFactory
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["factories"])


def _handlers(request: Request) -> FactoryRegistry:
    return request.app.state.factory_registry


Handlers = Annotated[FactoryRegistry, Depends(_handlers)]


def _out(factory: Factory) -> FactoryOut:
    return FactoryOut(
        factory_id=factory.id,
        name=factory.name,
        country=factory.country,
        city=factory.city,
        address=factory.address,
        registered_at=factory.registered_at,
    )


@router.post("/factories", response_model=FactoryOut, status_code=201)
async def register_factory(body: RegisterFactory, caller: CurrentPrincipal, handlers: Handlers) -> FactoryOut:
    return _out(await handlers.register_factory(caller, body.name, body.country, body.city, body.address))


@router.get("/factories", response_model=list[FactoryOut])
async def list_factories(caller: CurrentPrincipal, handlers: Handlers) -> list[FactoryOut]:
    return [_out(factory) for factory in await handlers.visible_factories(caller)]


@router.get("/factories/{factory_id}", response_model=FactoryOut)
async def get_factory(factory_id: str, caller: CurrentPrincipal, handlers: Handlers) -> FactoryOut:
    return _out(await handlers.factory_for(caller, factory_id))
