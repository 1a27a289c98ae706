"""access-control's own rules through the gateway: machine clients, Code of Conduct, accreditation, bad input."""

import uuid
from collections.abc import Iterator

import pytest

from shared_audits_client import eventually
from shared_audits_client.feed import wait_for_topic_record
from shared_audits_client.story import Cast, link_with_consent, semi_announced_window
from tests.integration.access_api import ACCESS_TOPIC, Gateway
from tests.integration.stack import Stack


@pytest.fixture
def gateway(stack: Stack) -> Iterator[Gateway]:
    gateway = Gateway(stack)
    yield gateway
    gateway.close()


def test_a_members_system_works_within_its_scopes_until_revoked(gateway: Gateway) -> None:
    operator = gateway.operator_token()
    brand = gateway.register(operator, "member")
    brand_admin = gateway.client_token(brand["client_id"], brand["client_secret"])

    erp = gateway.ok("POST", "/access/clients", brand_admin, status=201, json={"name": "ERP", "scopes": ["links:read"]})
    erp_token = gateway.client_token(erp["client_id"], erp["client_secret"])
    assert gateway.ok("GET", "/access/links", erp_token) == []
    refused = gateway.call("POST", "/access/links", erp_token, json={"factory_id": "any"})
    assert refused.status_code == 403 and "links:write" in refused.json()["detail"]
    # Every other service holds a scoped client to its scopes too, before looking at ids.
    for method, path, scope in [
        ("GET", "/caps/caps/any", "caps:read"),
        ("POST", "/caps/caps/any/items/any/decisions", "caps:write"),
        ("GET", "/audits/audits/any", "audits:read"),
        ("GET", "/evidence/files/any", "evidence:read"),
        ("GET", "/notifier/inbox", "feed:read"),
        ("GET", "/registry/factories", "factories:read"),
    ]:
        refused = gateway.call(method, path, erp_token, json={"decision": "accept"} if method == "POST" else None)
        assert refused.status_code == 403 and scope in refused.json()["detail"], (path, refused.text)
    reader = gateway.ok("POST", "/access/clients", brand_admin, status=201, json={"name": "BI", "scopes": ["caps:read"]})
    reader_token = gateway.client_token(reader["client_id"], reader["client_secret"])
    assert gateway.call("GET", "/caps/caps/any", reader_token).status_code == 404  # allowed in, nothing to see

    gateway.ok("DELETE", f"/access/clients/{erp['client_id']}", brand_admin)
    data = {"grant_type": "client_credentials", "client_id": erp["client_id"], "client_secret": erp["client_secret"]}
    assert gateway.call("POST", "/access/token", data=data).status_code == 401
    # Another organisation cannot see or revoke it: the same 404 as an unknown client.
    other = gateway.register(operator, "member")
    other_admin = gateway.client_token(other["client_id"], other["client_secret"])
    assert gateway.call("DELETE", f"/access/clients/{erp['client_id']}", other_admin).status_code == 404
    assert gateway.call("DELETE", "/access/clients/client-unknown", other_admin).status_code == 404


def test_a_factory_signs_the_current_code_of_conduct(stack: Stack, gateway: Gateway, cast: Cast) -> None:
    operator = gateway.operator_token()
    version = f"it-{uuid.uuid4().hex[:8]}"
    published = gateway.ok("POST", "/access/code-of-conduct/versions", operator, status=201,
                           json={"version": version, "title": "Code of Conduct", "text": "No forced labour."})
    factory_admin = gateway.client_token(cast.organisations["factory"].client_id,
                                         cast.organisations["factory"].client_secret)
    assert gateway.ok("GET", "/access/code-of-conduct/current", factory_admin)["version"] == version

    signature = gateway.ok("POST", "/access/code-of-conduct/signatures", factory_admin, status=201,
                           json={"code_version": version})
    assert signature["factory_id"] == cast.factory_id and signature["content_sha256"] == published["content_sha256"]
    again = gateway.call("POST", "/access/code-of-conduct/signatures", factory_admin, json={"code_version": version})
    assert again.status_code == 409

    record = wait_for_topic_record(
        stack.kafka_bootstrap, ACCESS_TOPIC,
        lambda e: e["type"] == "CodeOfConductSigned" and e["payload"]["code_version"] == version,
    )
    assert record is not None and record.envelope["key"] == cast.factory_id
    assert record.envelope["payload"]["organisation_id"] == cast.organisations["factory"].organisation_id

    member_a = gateway.client_token(cast.organisations["member_a"].client_id,
                                    cast.organisations["member_a"].client_secret)
    hidden = gateway.call("GET", "/access/code-of-conduct/signatures", member_a,
                          params={"organisation_id": cast.organisations["factory"].organisation_id})
    assert hidden.status_code == 404


def test_mandates_are_counted_and_the_operator_decides_accreditation(gateway: Gateway, cast: Cast) -> None:
    operator = gateway.operator_token()
    company_id = cast.organisations["auditor"].organisation_id
    assert gateway.ok("GET", f"/access/organisations/{company_id}", operator)["accreditation"]["status"] == "trial"

    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    eventually(lambda: cast.member_a.mandate_audit(cast.factory_id, company_id, **semi_announced_window()))

    def counted() -> None:
        company = gateway.ok("GET", f"/access/organisations/{company_id}", operator)
        assert company["accreditation"]["mandating_members"] == 1

    eventually(counted)
    too_early = gateway.call("POST", f"/access/organisations/{company_id}/accreditation", operator,
                             json={"status": "accredited", "reason": "good reports"})
    assert too_early.status_code == 409 and "3 mandating members" in too_early.json()["detail"]
    suspended = gateway.ok("POST", f"/access/organisations/{company_id}/accreditation", operator,
                           json={"status": "suspended", "reason": "obstruction reported"})
    assert suspended["accreditation"]["status"] == "suspended"

    auditor_admin = gateway.client_token(cast.organisations["auditor"].client_id,
                                         cast.organisations["auditor"].client_secret)
    refused = gateway.call("POST", f"/access/organisations/{company_id}/accreditation", auditor_admin,
                           json={"status": "trial", "reason": "we disagree"})
    assert refused.status_code == 403


def test_bad_input_is_a_field_level_422_and_writes_nothing(gateway: Gateway) -> None:
    operator = gateway.operator_token()
    brand = gateway.register(operator, "member")
    brand_admin = gateway.client_token(brand["client_id"], brand["client_secret"])

    bad_invitation = gateway.call("POST", "/access/users/invitations", brand_admin,
                                  json={"email": "not-an-address", "roles": [], "colour": "red"})
    assert bad_invitation.status_code == 422
    fields = {error["field"] for error in bad_invitation.json()["errors"]}
    assert fields == {"body.email", "body.roles", "body.colour"}

    # Valid in shape, refused by the rules (an auditor in a member organisation): still nothing written.
    wrong_role = gateway.call("POST", "/access/users/invitations", brand_admin,
                              json={"email": "ana@brand.example.org", "roles": ["auditor"]})
    assert wrong_role.status_code == 422 and "auditor" in wrong_role.json()["detail"]
    assert gateway.ok("GET", "/access/users", brand_admin) == []

    bad_client = gateway.call("POST", "/access/clients", brand_admin, json={"name": "x" * 201, "scopes": ["root"]})
    assert {e["field"] for e in bad_client.json()["errors"]} == {"body.name", "body.scopes.0"}
    assert gateway.ok("GET", "/access/clients", brand_admin) == []

    bad_code = gateway.call("POST", "/access/code-of-conduct/versions", operator,
                            json={"version": "../../etc", "title": "", "text": "t"})
    assert bad_code.status_code == 422
    assert {e["field"] for e in bad_code.json()["errors"]} == {"body.version", "body.title"}

    bad_decision = gateway.call("POST", f"/access/organisations/{brand['organisation_id']}/accreditation", operator,
                                json={"status": "gold", "reason": "x"})
    assert bad_decision.status_code == 422 and bad_decision.json()["errors"][0]["field"] == "body.status"
    not_a_company = gateway.call("POST", f"/access/organisations/{brand['organisation_id']}/accreditation",
                                 operator, json={"status": "suspended", "reason": "x"})
    assert not_a_company.status_code == 404

    bad_login = gateway.call("POST", "/access/login", json={"email": "a@b.example.org"})
    assert bad_login.status_code == 422 and bad_login.json()["errors"][0]["field"] == "body.password"
