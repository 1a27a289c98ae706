"""Use cases of member-factory links: a member asks, the factory (or the operator for it) answers.

Object-level rules: a member sees and changes only its own links; a factory only the links to
its own site; anything else answers as if it did not exist.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from access_control.domain.links import LinkStatus, MemberFactoryLink
from access_control.domain.model import Organisation
from access_control.service_layer.paging import PAGE_LIMIT, page_of
from access_control.service_layer.permissions import is_unscoped, require_scope
from access_control.service_layer.ports import KnownFactories, LinkStore, OrganisationStore
from shared_audits.auth import Principal
from shared_audits.contracts.enums import ClientScope, LinkParty, LinkRelationship
from shared_audits.errors import NotFoundError, PermissionDeniedError



@dataclass(frozen=True)
class LinkRequestView:
    """A pending request as the factory (or the operator) sees it: who asks, by name."""

    link: MemberFactoryLink
    member_name: str


@dataclass
class MemberFactoryLinks:
    links: LinkStore
    organisations: OrganisationStore
    known_factories: KnownFactories
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())

    # the member's side

    async def request_link(
        self, caller: Principal, factory_id: str, relationship: LinkRelationship
    ) -> MemberFactoryLink:
        """Ask to link to a site; the link opens only when the factory accepts.

        Asking again while a request is pending is idempotent (the same request comes back);
        asking for another relationship of an active link changes it at once.
        """
        member_id = _member(caller, "links factories")
        require_scope(caller, ClientScope.LINKS_WRITE)
        site = await self.known_factories.get(factory_id)
        if site is None or not site.takes_links:
            raise NotFoundError(f"factory {factory_id} not found")
        link = await self.links.get(MemberFactoryLink.id_for(member_id, factory_id))
        if link is None:
            link = MemberFactoryLink.request(self.new_id(), member_id, factory_id, relationship, self.clock())
            await self.links.add(link)
        else:
            link.request_again(self.new_id(), relationship, self.clock())
            await self.links.save(link)
        return link

    async def withdraw_or_end(self, caller: Principal, factory_id: str) -> MemberFactoryLink:
        """The member ends its link, or withdraws its pending request."""
        member_id = _member(caller, "unlink factories")
        require_scope(caller, ClientScope.LINKS_WRITE)
        link = await self.links.get(MemberFactoryLink.id_for(member_id, factory_id))
        if link is None:
            raise NotFoundError("no link to this factory")
        if link.pending:
            link.withdraw(self.clock())
        else:
            link.end(LinkParty.MEMBER, self.clock())
        await self.links.save(link)
        return link

    async def links_of(self, caller: Principal) -> list[MemberFactoryLink]:
        """The member's active links, then its pending requests."""
        member_id = _member(caller, "have factory links")
        require_scope(caller, ClientScope.LINKS_READ)
        active, pending = await asyncio.gather(
            self.links.find(member_id=member_id, active=True),
            self.links.find(member_id=member_id, status=LinkStatus.REQUESTED.value),
        )
        return [*active, *pending]

    async def link_history(self, caller: Principal, factory_id: str) -> MemberFactoryLink:
        """A member's own link to one factory with every change; never another member's."""
        if not caller.is_member:
            raise NotFoundError("no link to this factory")
        require_scope(caller, ClientScope.LINKS_READ)
        link = await self.links.get(MemberFactoryLink.id_for(caller.organisation_id, factory_id))
        if link is None:
            raise NotFoundError("no link to this factory")
        return link

    # the factory's side, or the operator's on its behalf

    async def link_requests(
        self, caller: Principal, factory_id: str | None = None, limit: int = PAGE_LIMIT, after: str | None = None
    ) -> tuple[list[LinkRequestView], str | None]:
        """A page of the pending requests to the caller's site (the operator: every site's, or ``factory_id``'s),
        in link id order after ``after``; and the cursor of the next page (None: the last)."""
        if _answering_party(caller, ClientScope.LINKS_READ) == LinkParty.FACTORY:
            factory_id = caller.factory_id
        equals = {"status": LinkStatus.REQUESTED.value, **({"factory_id": factory_id} if factory_id else {})}
        return await self._with_names_on(await page_of(self.links, limit, after, **equals))

    async def factory_links(
        self, caller: Principal, limit: int = PAGE_LIMIT, after: str | None = None
    ) -> tuple[list[LinkRequestView], str | None]:
        """A page of the members linked to the factory's own site, by name (the factory sees who its customers
        are); and the cursor of the next page."""
        if _answering_party(caller, ClientScope.LINKS_READ) != LinkParty.FACTORY:
            raise PermissionDeniedError("only a factory lists the members linked to its site")
        return await self._with_names_on(await page_of(self.links, limit, after, factory_id=caller.factory_id,
                                                       active=True))

    async def accept(self, caller: Principal, request_id: str, reason: str | None,
                     message: str | None) -> LinkRequestView:
        by = _answering_party(caller, ClientScope.LINKS_WRITE)
        link = await self._request(caller, request_id)
        link.accept(by, self.clock(), reason=reason, message=message)
        await self.links.save(link)
        return (await self._with_names([link]))[0]

    async def decline(self, caller: Principal, request_id: str, reason: str | None,
                      message: str | None) -> LinkRequestView:
        by = _answering_party(caller, ClientScope.LINKS_WRITE)
        link = await self._request(caller, request_id)
        link.decline(by, self.clock(), reason=reason, message=message)
        await self.links.save(link)
        return (await self._with_names([link]))[0]

    async def end_by_factory(self, caller: Principal, member_id: str) -> MemberFactoryLink:
        """The factory ends a member's link to its site; the member loses access at once."""
        if _answering_party(caller, ClientScope.LINKS_WRITE) != LinkParty.FACTORY:
            raise PermissionDeniedError("only the factory ends a link to its site here; a member ends its own")
        link = await self.links.get(MemberFactoryLink.id_for(member_id, str(caller.factory_id)))
        if link is None:
            raise NotFoundError("no link of this member to your site")
        link.end(LinkParty.FACTORY, self.clock())
        await self.links.save(link)
        return link

    async def _request(self, caller: Principal, request_id: str) -> MemberFactoryLink:
        found = await self.links.find(limit=1, request_id=request_id)
        link: MemberFactoryLink | None = found[0] if found else None
        if link is None or (caller.is_factory and link.factory_id != caller.factory_id):
            raise NotFoundError("no link request with this id")
        return link

    async def _with_names_on(
        self, page: tuple[list[MemberFactoryLink], str | None]
    ) -> tuple[list[LinkRequestView], str | None]:
        links, next_cursor = page
        return await self._with_names(links), next_cursor

    async def _with_names(self, links: list[MemberFactoryLink]) -> list[LinkRequestView]:
        members: list[Organisation | None] = list(await asyncio.gather(
            *(self.organisations.get(member_id) for member_id in sorted({link.member_id for link in links}))))
        names = {member.id: member.name for member in members if member is not None}
        return [LinkRequestView(link, names.get(link.member_id, "")) for link in links]


def _member(caller: Principal, action: str) -> str:
    if not caller.is_member:
        raise PermissionDeniedError(f"only members {action}")
    return caller.organisation_id


def _answering_party(caller: Principal, scope: ClientScope) -> LinkParty:
    """A factory's admins (or its clients with the scope) answer for their site; the operator for any."""
    if caller.is_operator and is_unscoped(caller):
        return LinkParty.OPERATOR
    if caller.is_factory and caller.factory_id:
        if is_unscoped(caller) and "admin" not in caller.roles:
            raise PermissionDeniedError("only an admin of the factory answers link requests")
        require_scope(caller, scope)
        return LinkParty.FACTORY
    raise PermissionDeniedError("only the factory, or the operator on its behalf, answers link requests")
