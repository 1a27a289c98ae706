"""audit-service's routes in process: the app of its own bootstrap over fakes, on TestKafkaBroker.

Who may read a site's audits (404 to anyone else, the same answer as for an unknown id), what
the factory reads of its report, and the routes' own rules, without a server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from audit_service.domain.model import ReportSubmission
from shared_audits.auth import Principal
from shared_audits.contracts.events import CodeOfConductSigned, FactoryProfileSubmitted
from shared_audits.member_groups import LINKED_MEMBER
from shared_audits.testing import InMemorySharedAdapters, RunningApp, audit_company, factory_account, member

SIGNED_AT = datetime(2026, 11, 2, tzinfo=UTC)
MANDATE = {"factory_id": "f-1", "audit_company_id": "ac-1", "window_starts_on": "2026-11-01",
           "window_ends_on": "2026-11-30"}


class Caller:
    """Requests as one caller, with a token the app's fake verifier knows."""

    def __init__(self, service: RunningApp, shared: InMemorySharedAdapters, principal: Principal) -> None:
        self._client = service.client
        self._headers = shared.token_verifier.headers(principal)

    async def get(self, path: str, **params: object) -> httpx.Response:
        """``path`` below the service's gateway prefix (``/audits``), as the API reference writes it."""
        return await self._client.get(f"/audits{path}", params=params, headers=self._headers)

    async def post(self, path: str, body: dict) -> httpx.Response:
        return await self._client.post(f"/audits{path}", json=body, headers=self._headers)


async def mandated_audit_id(service: RunningApp, shared: InMemorySharedAdapters) -> str:
    answer = await Caller(service, shared, member("m-a")).post("/audits", MANDATE)
    assert answer.status_code == 201, answer.text
    return answer.json()["audit_id"]


async def published_audit_id(service: RunningApp, shared: InMemorySharedAdapters, report: ReportSubmission) -> str:
    """m-a's audit of f-1, accepted and reported by ac-1 once the site is ready (as the events tell)."""
    await service.publish(FactoryProfileSubmitted(factory_id="f-1", profile_version=1, workforce_total=420))
    await service.publish(CodeOfConductSigned(organisation_id="org-f-1", code_version="2026-01",
                                              signed_by="site manager", signed_at=SIGNED_AT, factory_id="f-1"))
    audit_id = await mandated_audit_id(service, shared)
    company = Caller(service, shared, audit_company("ac-1"))
    assert (await company.post(f"/audits/{audit_id}/decision", {"decision": "accept"})).status_code == 200
    submitted = await company.post(f"/audits/{audit_id}/report", report.model_dump(mode="json"))
    assert submitted.status_code == 200, submitted.text
    return audit_id


def not_found(answer: httpx.Response, named: str) -> tuple:
    """The parts of a 404 a caller could tell apart, with the id it named taken out."""
    body = answer.json()
    return answer.status_code, answer.headers["content-type"], body["type"], body["title"], \
        body["detail"].replace(named, "<id>")


async def test_an_unlinked_member_reads_the_sites_audits_as_if_there_were_none(service, shared) -> None:
    audit_id = await mandated_audit_id(service, shared)
    stranger = Caller(service, shared, member("m-z"))

    assert not_found(await stranger.get("/audits/" + audit_id), audit_id) == \
        not_found(await stranger.get("/audits/a-unknown"), "a-unknown")
    assert not_found(await stranger.get("/audits", factory_id="f-1"), "f-1") == \
        not_found(await stranger.get("/audits", factory_id="f-unknown"), "f-unknown")
    assert (await stranger.get("/audits/" + audit_id)).status_code == 404


async def test_a_linked_member_reads_the_sites_audits(service, shared) -> None:
    audit_id = await mandated_audit_id(service, shared)
    linked = Caller(service, shared, member("m-b"))

    one, listed = await linked.get("/audits/" + audit_id), await linked.get("/audits", factory_id="f-1")

    assert one.status_code == 200 and one.json()["audit_id"] == audit_id
    assert listed.status_code == 200 and [audit["audit_id"] for audit in listed.json()] == [audit_id]
    assert one.json()["member_id"] == LINKED_MEMBER  # another member mandated it: named as "a linked member"


async def test_the_factory_reads_the_summary_of_its_report_never_the_report(service, shared, submission) -> None:
    audit_id = await published_audit_id(service, shared, submission(("S7.02",)))

    seen_by_factory = (await Caller(service, shared, factory_account("f-1")).get("/audits/" + audit_id)).json()
    seen_by_member = (await Caller(service, shared, member("m-a")).get("/audits/" + audit_id)).json()

    assert seen_by_factory["report"]["letter"] == seen_by_member["report"]["letter"]
    assert seen_by_factory["report"]["chapter_scores"] == seen_by_member["report"]["chapter_scores"]
    assert seen_by_factory["report"]["detail"] is None and seen_by_factory["report"]["findings"] is None
    assert seen_by_factory["due"] == [] and seen_by_member["due"] != []
    assert seen_by_member["report"]["detail"]["findings"][0]["question_id"] == "S7.02"


async def test_an_audit_company_pages_through_its_mandates_by_the_next_link(service, shared) -> None:
    first_id, second_id = await mandated_audit_id(service, shared), await mandated_audit_id(service, shared)
    company = Caller(service, shared, audit_company("ac-1"))

    first = await company.get("/mandates", limit=1)
    following = await service.client.get(first.headers["Link"].split(";")[0].strip("<>"),
                                         headers=shared.token_verifier.headers(audit_company("ac-1")))

    assert first.status_code == 200 and first.headers["X-Next-Cursor"]
    assert following.status_code == 200 and "Link" not in following.headers
    assert sorted(mandate["audit_id"] for mandate in first.json() + following.json()) == sorted([first_id, second_id])


async def test_a_window_without_its_end_is_refused_with_a_problem(service, shared) -> None:
    answer = await Caller(service, shared, member("m-a")).post("/audits", {**MANDATE, "window_ends_on": None})

    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert "window_ends_on" in answer.json()["detail"]
