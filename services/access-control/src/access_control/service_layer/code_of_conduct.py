"""Use cases of the Code of Conduct: the operator publishes versions, organisations sign the current one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from access_control.domain.code_of_conduct import CodeOfConduct, CodeOfConductSignature
from access_control.service_layer.paging import PAGE_LIMIT, page_of
from access_control.service_layer.permissions import may_administer, require_operator
from access_control.service_layer.ports import CodeOfConductStore, OrganisationStore, SignatureStore
from shared_audits.auth import Principal
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError

# Versions read a page at a time to find the current one (every version counts, never only the first page).
VERSIONS_READ = 200


@dataclass
class CodeOfConductHandlers:
    codes: CodeOfConductStore
    signatures: SignatureStore
    organisations: OrganisationStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def publish(self, caller: Principal, version: str, title: str, text: str) -> CodeOfConduct:
        require_operator(caller, "publishes the Code of Conduct")
        if await self.codes.get(version) is not None:
            raise ConflictError(f"version {version} is already published; publish a new version")
        code = CodeOfConduct.publish(version, title, text, caller.subject, self.clock())
        await self.codes.add(code)
        return code

    async def current(self) -> CodeOfConduct:
        current = CodeOfConduct.current_of(await self._every_version())
        if current is None:
            raise NotFoundError("no Code of Conduct has been published")
        return current

    async def _every_version(self) -> list[CodeOfConduct]:
        codes: list[CodeOfConduct] = []
        while page := await self.codes.find(limit=VERSIONS_READ, after=codes[-1].id if codes else None):
            codes += page
            if len(page) < VERSIONS_READ:
                break
        return codes

    async def sign(self, caller: Principal, code_version: str) -> CodeOfConductSignature:
        """An organisation's admin signs the current version, in the organisation's name."""
        if not may_administer(caller, caller.organisation_id) or caller.is_operator:
            raise PermissionDeniedError("only an admin of a member, factory or audit company signs")
        current = await self.current()
        if code_version != current.id:
            raise ConflictError(f"only the current version ({current.id}) can be signed")
        organisation = await self.organisations.get(caller.organisation_id)
        if organisation is None:
            raise NotFoundError("organisation not found")
        if await self.signatures.get(CodeOfConductSignature.id_for(organisation.id, current.id)) is not None:
            raise ConflictError(f"the organisation already signed version {current.id}")
        signature = CodeOfConductSignature.sign(organisation.id, organisation.factory_id, current, caller.subject,
                                                self.clock())
        await self.signatures.add(signature)
        return signature

    async def signatures_of(
        self, caller: Principal, organisation_id: str | None, limit: int = PAGE_LIMIT, after: str | None = None
    ) -> tuple[list[CodeOfConductSignature], str | None]:
        """A page of an organisation's signatures, and the cursor of the next page."""
        organisation_id = organisation_id or caller.organisation_id
        if not (caller.is_operator or caller.organisation_id == organisation_id):
            raise NotFoundError("organisation not found")
        return await page_of(self.signatures, limit, after, organisation_id=organisation_id)
