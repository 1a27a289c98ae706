"""Accreditation has effect, through the gateway: a mandate to a suspended audit company, or to one
whose trial ended without accreditation, is refused with a problem saying why; a company on trial
or accredited is mandated. access-control decides; audit-service follows its events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from shared_audits_client import PlatformClient, eventually
from shared_audits_client.story import Cast, link_with_consent, semi_announced_window
from tests.integration.stack import Stack

PROBLEM_TYPE = "urn:shared-audits:problem:audit-company-cannot-be-mandated"


def linked_members(cast: Cast) -> list[PlatformClient]:
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, cast.factory_id)
    return [cast.member_a, cast.member_b]


def mandate(member: PlatformClient, cast: Cast, company_id: str) -> dict:
    """A mandate the platform takes (retried while audit-service has not yet heard of a change)."""
    return eventually(lambda: member.mandate_audit(cast.factory_id, company_id, **semi_announced_window()))


def refused_mandate(member: PlatformClient, cast: Cast, company_id: str) -> httpx.Response:
    """The refusal, once audit-service has heard of the decision (a mandate taken before then is harmless)."""

    def attempt() -> httpx.Response:
        body = {"factory_id": cast.factory_id, "audit_company_id": company_id, **semi_announced_window()}
        response = member.send("POST", "/audits/audits", json=body)
        assert response.status_code == 409, f"{response.status_code}: {response.text}"
        return response

    return eventually(attempt)


def decide(cast: Cast, company_id: str, status: str, reason: str) -> dict:
    return cast.operator.call("POST", f"/access/organisations/{company_id}/accreditation",
                              json={"status": status, "reason": reason})


def test_a_suspended_audit_company_is_refused_saying_why_until_it_is_back_on_trial(stack: Stack, cast: Cast) -> None:
    member_a, _ = linked_members(cast)
    company_id = cast.organisations["auditor"].organisation_id
    assert mandate(member_a, cast, company_id)["status"] == "mandated"  # a new company is on trial

    decide(cast, company_id, "suspended", "Obstruction reported by a site; under review.")
    refused = refused_mandate(member_a, cast, company_id)
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"] == PROBLEM_TYPE and problem["title"] == "Audit company cannot be mandated"
    assert problem["status"] == 409 and problem["accreditation_status"] == "suspended"
    assert f"{company_id} is suspended since {datetime.now(UTC).date()}" in problem["detail"]
    assert "Obstruction" not in problem["detail"]  # the operator's reason stays with the operator

    decide(cast, company_id, "trial", "Cleared after review.")
    assert mandate(member_a, cast, company_id)["status"] == "mandated"


def test_a_company_whose_trial_ended_without_accreditation_is_refused_until_accredited(
    stack: Stack, cast: Cast
) -> None:
    brand_c = cast.operator.register_organisation(f"Brand C of {cast.factory_id[:8]}", "member")
    member_c = PlatformClient.login(stack.gateway_url, brand_c.client_id, brand_c.client_secret)
    try:
        members = [*linked_members(cast), member_c]
        link_with_consent(member_c, cast.factory, cast.factory_id)
        company_id = cast.organisations["auditor"].organisation_id
        # During its trial three members mandate the company: what accreditation asks for.
        for member in members:
            assert mandate(member, cast, company_id)["status"] == "mandated"

        # A year on, not yet accredited. In development the operator can let the trial have begun earlier.
        year_ago = datetime.now(UTC) - timedelta(days=366)
        moved = cast.operator.call("POST", f"/access/organisations/{company_id}/trial-start",
                                   json={"trial_started_at": year_ago.isoformat()})
        trial_ends_at = datetime.fromisoformat(moved["accreditation"]["trial_ends_at"])
        assert trial_ends_at < datetime.now(UTC) and moved["accreditation"]["status"] == "trial"

        problem = refused_mandate(member_c, cast, company_id).json()
        assert problem["type"] == PROBLEM_TYPE and problem["accreditation_status"] == "trial"
        # Stored to the millisecond.
        assert abs(datetime.fromisoformat(problem["trial_ended_at"]) - trial_ends_at) < timedelta(milliseconds=1)
        assert f"ended on {trial_ends_at.date()} without accreditation" in problem["detail"]

        # The operator accredits it (once access-control has counted the three mandating members).
        accredited = eventually(lambda: decide(cast, company_id, "accredited", "Trial year done, three members."))
        assert accredited["accreditation"]["status"] == "accredited"
        assert mandate(member_c, cast, company_id)["status"] == "mandated"
    finally:
        member_c.close()
