"""The accreditation restatement, through the gateway: access-control tells every audit company's current
accreditation again, and audit-service learns a suspension it had never heard of (decided before it
listened) and refuses mandates to that company; a member cannot ask for a restatement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from pymongo import MongoClient
from pymongo.collection import Collection

from shared_audits_client import eventually
from shared_audits_client.story import Cast, link_with_consent, semi_announced_window
from tests.integration.stack import Stack


@pytest.fixture
def audit_service_companies(stack: Stack) -> Iterator[Collection]:
    """audit-service's own record of the audit companies, to make it forget one (as before it listened)."""
    client = MongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    yield client["audit_service"]["audit_companies"]
    client.close()


def test_a_restatement_teaches_audit_service_a_suspension_decided_before_it_listened(
    stack: Stack, cast: Cast, audit_service_companies: Collection
) -> None:
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    company_id = cast.organisations["auditor"].organisation_id
    body = {"factory_id": cast.factory_id, "audit_company_id": company_id, **semi_announced_window()}

    def answered(status: int) -> httpx.Response:
        response = cast.member_a.send("POST", "/audits/audits", json=body)
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response

    cast.operator.call("POST", f"/access/organisations/{company_id}/accreditation",
                       json={"status": "suspended", "reason": "Obstruction reported by a site"})
    eventually(lambda: answered(409))
    # Given an audit-service that never heard of the company (it started following accreditation later).
    audit_service_companies.delete_one({"_id": company_id})
    assert "not a registered audit company" in answered(422).json()["detail"]

    denied = cast.member_a.send("POST", "/access/accreditations/restatement")
    assert denied.status_code == 403 and denied.headers["content-type"].startswith("application/problem+json")
    restatement = cast.operator.call("POST", "/access/accreditations/restatement")
    assert restatement["restated"] >= 1

    problem = eventually(lambda: answered(409), timeout=15).json()
    assert problem["accreditation_status"] == "suspended"
    assert f"{company_id} is suspended since {datetime.now(UTC).date()}" in problem["detail"]  # as of the decision
