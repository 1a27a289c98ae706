"""Use cases of access-control: organisations, client-credential tokens, accreditation (links: ``links``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from access_control.domain.accreditation import AccreditationRules
from access_control.domain.clients import ApiClient
from access_control.domain.model import Organisation
from access_control.service_layer.permissions import is_unscoped, require_operator, require_scope
from access_control.service_layer.ports import ClientStore, Hasher, KnownFactories, OrganisationStore
from access_control.service_layer.tokens import IssuedToken, TokenIssuer
from shared_audits.auth import Principal
from shared_audits.contracts.enums import AccreditationStatus, ClientScope, OrganisationKind
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import AuditMandated
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError, UnauthenticatedError
from shared_audits.store import saved_on_a_fresh_read


@dataclass(frozen=True)
class RegisteredOrganisation:
    organisation: Organisation
    client_secret: str


@dataclass
class AccessControl:
    organisations: OrganisationStore
    clients: ClientStore
    known_factories: KnownFactories
    hasher: Hasher
    tokens: TokenIssuer
    accreditation_rules: AccreditationRules
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Lets the operator move an audit company's trial start (tests, demos); development only.
    clock_override_allowed: bool = False

    async def register_organisation(
        self, caller: Principal, name: str, kind: OrganisationKind, factory_id: str | None
    ) -> RegisteredOrganisation:
        require_operator(caller, "registers organisations")
        site = await self.known_factories.get(factory_id) if factory_id else None
        if factory_id and (site is None or not site.takes_links):
            raise NotFoundError(f"factory {factory_id} is not registered")
        secret = self.hasher.new_secret()
        organisation = Organisation.register(
            organisation_id=str(uuid.uuid4()),
            name=name,
            kind=kind,
            factory_id=factory_id,
            client_id=f"client-{uuid.uuid4().hex}",
            client_secret_hash=self.hasher.hash(secret),
            now=self.clock(),
            accreditation_rules=self.accreditation_rules,
        )
        await self.organisations.add(organisation)
        return RegisteredOrganisation(organisation, secret)

    async def ensure_operator(self, client_id: str, client_secret: str) -> None:
        """Create the operator's first client on a new platform; later starts leave it alone."""
        if await self.organisations.find(limit=1, client_id=client_id):
            return
        organisation = Organisation.register(
            organisation_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"operator:{client_id}")),
            name="Platform operator",
            kind=OrganisationKind.OPERATOR,
            factory_id=None,
            client_id=client_id,
            client_secret_hash=self.hasher.hash(client_secret),
            now=self.clock(),
        )
        try:
            await self.organisations.add(organisation)
        except Exception:  # noqa: BLE001 - another instance created it at the same moment
            if not await self.organisations.find(limit=1, client_id=client_id):
                raise

    async def issue_token(self, client_id: str, client_secret: str) -> IssuedToken:
        """Client credentials: an organisation's primary client, or one of its scoped machine clients."""
        found = await self.organisations.find(limit=1, client_id=client_id)
        if found:
            organisation: Organisation = found[0]
            if not self.hasher.verify(organisation.client_secret_hash, client_secret):
                raise UnauthenticatedError("unknown client or wrong secret")
            return await self.tokens.issue(
                subject=organisation.client_id, subject_type="client", organisation_id=organisation.id,
                organisation_kind=organisation.kind, roles=organisation.roles(), factory_id=organisation.factory_id,
            )
        client: ApiClient | None = await self.clients.get(client_id)
        if client is None:
            self.hasher.verify_nothing(client_secret)
            raise UnauthenticatedError("unknown client or wrong secret")
        if not self.hasher.verify(client.secret_hash, client_secret) or client.revoked:
            raise UnauthenticatedError("unknown client or wrong secret")
        organisation = await self.organisations.get(client.organisation_id)
        if organisation is None:
            raise UnauthenticatedError("unknown client or wrong secret")
        return await self.tokens.issue(
            subject=client.id, subject_type="client", organisation_id=organisation.id,
            organisation_kind=organisation.kind, roles=[], factory_id=organisation.factory_id, scopes=client.scopes,
        )

    async def organisation_of(self, caller: Principal) -> Organisation:
        organisation = await self.organisations.get(caller.organisation_id)
        if organisation is None:
            raise NotFoundError("organisation not found")
        return organisation

    async def organisation(self, caller: Principal, organisation_id: str) -> Organisation:
        """The operator sees every organisation; others only their own (the rest answer 404)."""
        if not (caller.is_operator or caller.organisation_id == organisation_id):
            raise NotFoundError("organisation not found")
        organisation = await self.organisations.get(organisation_id)
        if organisation is None:
            raise NotFoundError("organisation not found")
        return organisation

    async def directory(
        self, caller: Principal, kind: OrganisationKind | None, limit: int, after: str | None = None
    ) -> tuple[list[Organisation], str | None]:
        """One page of the organisations the caller may list, in id order, and the next page's cursor.

        The operator lists every organisation (of one kind when asked). A member lists only the
        audit companies it can mandate now, to choose one: never other members or factories.
        Factories and audit companies have no directory.
        """
        if caller.is_operator and is_unscoped(caller):
            return await self._page({"kind": kind.value} if kind else {}, limit, after)
        if caller.is_member:
            if kind not in (None, OrganisationKind.AUDIT_COMPANY):
                raise PermissionDeniedError("a member lists audit companies only")
            require_scope(caller, ClientScope.AUDITS_WRITE)  # the directory serves to mandate audits
            now = self.clock()
            return await self._page(
                {"kind": OrganisationKind.AUDIT_COMPANY.value}, limit, after,
                keep=lambda organisation: organisation.receives_mandates(self.accreditation_rules, now),
            )
        raise PermissionDeniedError("only the operator and members list organisations")

    async def _page(
        self, equals: Mapping[str, str], limit: int, after: str | None,
        keep: Callable[[Organisation], bool] = lambda _: True,
    ) -> tuple[list[Organisation], str | None]:
        # Read past the ones ``keep`` drops until a page and one more are found, so the last page has no next.
        kept: list[Organisation] = []
        while len(kept) <= limit:
            batch: list[Organisation] = await self.organisations.find(limit=limit + 1, after=after, **equals)
            kept += [organisation for organisation in batch if keep(organisation)]
            if len(batch) <= limit:
                break
            after = batch[-1].id
        page = kept[:limit]
        return page, (page[-1].id if len(kept) > limit else None)

    async def decide_accreditation(
        self, caller: Principal, organisation_id: str, status: AccreditationStatus, reason: str
    ) -> Organisation:
        require_operator(caller, "decides accreditation")

        async def decide() -> Organisation:
            organisation = await self._audit_company(organisation_id)
            organisation.decide_accreditation(status, reason, caller.subject, self.accreditation_rules, self.clock())
            return organisation

        # A mandate counted for the company in the same moment must not refuse the operator's decision.
        return await saved_on_a_fresh_read(self.organisations, decide)

    async def restate_accreditations(self, caller: Principal, batch: int = 50) -> tuple[int, datetime]:
        """Publish every audit company's current accreditation again; returns how many were told, and when.

        For services that started following accreditation after some decisions: they apply each
        restated state as of its decision, so running this twice, or beside new decisions, is harmless.
        """
        require_operator(caller, "restates accreditations")
        now, told, after = self.clock(), 0, None
        while True:
            page: list[Organisation] = await self.organisations.find(
                limit=batch, after=after, kind=OrganisationKind.AUDIT_COMPANY.value)
            await asyncio.gather(*(self._restate(organisation, now) for organisation in page))
            told += len(page)
            if len(page) < batch:
                return told, now
            after = page[-1].id

    async def _restate(self, organisation: Organisation, now: datetime) -> None:
        for attempt in range(3):
            if attempt:  # changed meanwhile (a decision, a counted mandate): read again, tell what is current
                organisation = await self.organisations.get(organisation.id)
            organisation.restate_accreditation(self.accreditation_rules, now)
            try:
                await self.organisations.save(organisation)
                return
            except ConflictError:
                if attempt == 2:
                    raise

    async def move_trial_start(self, caller: Principal, organisation_id: str, started_at: datetime) -> Organisation:
        """The operator lets an audit company's trial begin on another day: tests and demos, development only."""
        if not (self.clock_override_allowed and caller.is_operator):
            raise NotFoundError("not found")

        async def move() -> Organisation:
            organisation = await self._audit_company(organisation_id)
            organisation.move_trial_start(started_at, f"trial start moved to {started_at.date()} (development)",
                                          self.accreditation_rules, self.clock())
            return organisation

        return await saved_on_a_fresh_read(self.organisations, move)

    async def _audit_company(self, organisation_id: str) -> Organisation:
        organisation = await self.organisations.get(organisation_id)
        if organisation is None:
            raise NotFoundError("no audit company with this id")
        return organisation

    async def count_mandate(self, event: AuditMandated, envelope: EventEnvelope) -> None:
        """audit-service's AuditMandated feeds the count of distinct mandating members."""
        organisation = await self.organisations.get(event.audit_company_id)
        if organisation is None or organisation.kind != OrganisationKind.AUDIT_COMPANY:
            return  # not an audit company this service knows: nothing to count
        if organisation.count_mandate(event.member_id):
            await self.organisations.save(organisation)
