"""Annotated dependencies: the handlers each route needs, taken from the app built in bootstrap."""

from typing import Annotated

from fastapi import Depends, Query, Request

from access_control.service_layer.clients import MachineClients
from access_control.service_layer.code_of_conduct import CodeOfConductHandlers
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.keys import KeyRotation
from access_control.service_layer.links import MemberFactoryLinks
from access_control.service_layer.member_groups import MemberGroupHandlers
from access_control.service_layer.paging import PAGE_LIMIT
from access_control.service_layer.users import UserAccounts


def _access_control(request: Request) -> AccessControl:
    return request.app.state.access_control


def _member_factory_links(request: Request) -> MemberFactoryLinks:
    return request.app.state.member_factory_links


def _user_accounts(request: Request) -> UserAccounts:
    return request.app.state.user_accounts


def _machine_clients(request: Request) -> MachineClients:
    return request.app.state.machine_clients


def _code_of_conduct(request: Request) -> CodeOfConductHandlers:
    return request.app.state.code_of_conduct


def _member_groups(request: Request) -> MemberGroupHandlers:
    return request.app.state.member_group_handlers


def _key_rotation(request: Request) -> KeyRotation:
    return request.app.state.key_rotation


Handlers = Annotated[AccessControl, Depends(_access_control)]
Links = Annotated[MemberFactoryLinks, Depends(_member_factory_links)]
Users = Annotated[UserAccounts, Depends(_user_accounts)]
Clients = Annotated[MachineClients, Depends(_machine_clients)]
Codes = Annotated[CodeOfConductHandlers, Depends(_code_of_conduct)]
Keys = Annotated[KeyRotation, Depends(_key_rotation)]
Groups = Annotated[MemberGroupHandlers, Depends(_member_groups)]

# The query parameters of a paged list (the next page's headers: shared_audits.http.link_next_page).
PageLimit = Annotated[int, Query(ge=1, le=PAGE_LIMIT, description="Entries per page")]
Cursor = Annotated[str | None, Query(min_length=1, max_length=200,
                                     description="From the previous page's `X-Next-Cursor`")]
