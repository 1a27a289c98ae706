"""The Code of Conduct: the operator publishes versions; organisations sign the current one."""

import pytest

from access_control.service_layer import code_of_conduct
from access_control.service_layer.code_of_conduct import CodeOfConductHandlers
from access_control.service_layer.handlers import AccessControl
from shared_audits.auth import Principal
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import CodeOfConductPublished, CodeOfConductSigned
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError
from shared_audits.testing import member, operator


@pytest.fixture
async def site_admin(access: AccessControl) -> Principal:
    site = (await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-1")).organisation
    return Principal("user-site-admin", site.id, OrganisationKind.FACTORY, frozenset({"admin"}), "f-1")


async def test_the_newest_published_version_is_current(codes: CodeOfConductHandlers, clock) -> None:
    with pytest.raises(NotFoundError):
        await codes.current()
    await codes.publish(operator(), "2025.1", "Code of Conduct", "Workers are free to leave.")
    clock.advance(days=1)
    await codes.publish(operator(), "2026.1", "Code of Conduct", "Workers are free to leave. No child labour.")
    assert (await codes.current()).id == "2026.1"
    assert [type(e) for e in codes.codes.published] == [CodeOfConductPublished, CodeOfConductPublished]
    with pytest.raises(ConflictError):
        await codes.publish(operator(), "2026.1", "Changed", "A version is never rewritten.")


async def test_the_current_version_is_found_past_the_first_page_of_versions(
    codes: CodeOfConductHandlers, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_of_conduct, "VERSIONS_READ", 2)
    for version in ("2024.1", "2025.1", "2026.1"):
        await codes.publish(operator(), version, "Code of Conduct", f"Version {version}.")
        clock.advance(days=1)
    assert (await codes.current()).id == "2026.1"


async def test_only_the_operator_publishes(codes: CodeOfConductHandlers) -> None:
    with pytest.raises(PermissionDeniedError):
        await codes.publish(member("m-1"), "2026.1", "Code", "Text")


async def test_a_factory_signs_the_current_version_and_the_audit_service_hears_of_it(
    codes: CodeOfConductHandlers, site_admin: Principal, clock
) -> None:
    code = await codes.publish(operator(), "2026.1", "Code of Conduct", "No forced labour.")
    clock.advance(hours=1)
    signature = await codes.sign(site_admin, "2026.1")
    assert (signature.signed_by, signature.signed_at, signature.content_sha256) == (
        "user-site-admin", clock(), code.content_sha256)
    assert codes.signatures.published == [
        CodeOfConductSigned(organisation_id=site_admin.organisation_id, code_version="2026.1",
                            signed_by="user-site-admin", signed_at=clock(), factory_id="f-1")
    ]
    with pytest.raises(ConflictError):
        await codes.sign(site_admin, "2026.1")


async def test_only_the_current_version_is_signed_by_an_admin(
    codes: CodeOfConductHandlers, site_admin: Principal, clock
) -> None:
    await codes.publish(operator(), "2025.1", "Code", "Old text.")
    clock.advance(days=1)
    await codes.publish(operator(), "2026.1", "Code", "New text.")
    with pytest.raises(ConflictError):
        await codes.sign(site_admin, "2025.1")
    plain_user = Principal("user-2", site_admin.organisation_id, OrganisationKind.FACTORY, frozenset({"user"}), "f-1")
    with pytest.raises(PermissionDeniedError):
        await codes.sign(plain_user, "2026.1")


async def test_signatures_are_seen_by_their_organisation_and_the_operator_only(
    codes: CodeOfConductHandlers, site_admin: Principal
) -> None:
    await codes.publish(operator(), "2026.1", "Code", "Text.")
    await codes.sign(site_admin, "2026.1")
    assert len((await codes.signatures_of(site_admin, None))[0]) == 1
    assert len((await codes.signatures_of(operator(), site_admin.organisation_id))[0]) == 1
    with pytest.raises(NotFoundError):
        await codes.signatures_of(member("m-1"), site_admin.organisation_id)
