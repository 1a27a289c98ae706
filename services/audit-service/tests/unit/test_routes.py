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
from shared_audits.testing import (
    InMemorySharedAdapters,
    RunningApp,
    audit_company,
    factory_account,
    member,
    operator,
)

SIGNED_AT = datetime(2026, 11, 2, tzinfo=UTC)
MANDATE = {"factory_id": "f-1", "audit_company_id": "ac-1", "window_starts_on": "2026-11-01",
           "window_ends_on": "2026-11-30"}


class Caller:
    """Requests as one caller, with a token the app's fake verifier knows."""

    def __init__(self, app: RunningApp, shared: InMemorySharedAdapters, principal: Principal) -> None:
        self._client = app.client
        self._headers = shared.token_verifier.headers(principal)

    async def get(self, path: str, **params: object) -> httpx.Response:
        """``path`` below the service's gateway prefix (``/audits``), as the API reference writes it."""
        return await self._client.get(f"/audits{path}", params=params, headers=self._headers)

    async def post(self, path: str, body: dict) -> httpx.Response:
        return await self._client.post(f"/audits{path}", json=body, headers=self._headers)


async def mandated_audit_id(app: RunningApp, shared: InMemorySharedAdapters) -> str:
    answer = await Caller(app, shared, member("m-a")).post("/audits", MANDATE)
    assert answer.status_code == 201, answer.text
    return answer.json()["audit_id"]


async def published_audit_id(app: RunningApp, shared: InMemorySharedAdapters, report: ReportSubmission) -> str:
    """m-a's audit of f-1, accepted and reported by ac-1 once the site is ready (as the events tell)."""
    await app.publish(FactoryProfileSubmitted(factory_id="f-1", profile_version=1, workforce_total=420))
    await app.publish(CodeOfConductSigned(organisation_id="org-f-1", code_version="2026-01",
                                              signed_by="site manager", signed_at=SIGNED_AT, factory_id="f-1"))
    audit_id = await mandated_audit_id(app, shared)
    company = Caller(app, shared, audit_company("ac-1"))
    assert (await company.post(f"/audits/{audit_id}/decision", {"decision": "accept"})).status_code == 200
    submitted = await company.post(f"/audits/{audit_id}/report", report.model_dump(mode="json"))
    assert submitted.status_code == 200, submitted.text
    return audit_id


def factory_scoped_reads(audit_id: str) -> list[tuple[str, dict, str, dict]]:
    """Every GET route that reads a site's data: (path, params) of f-1's audit and of an unknown one."""
    return [
        (f"/audits/{audit_id}", {}, "/audits/a-unknown", {}),
        ("/audits", {"factory_id": "f-1"}, "/audits", {"factory_id": "f-unknown"}),
    ]


async def test_every_factory_scoped_read_answers_an_unlinked_member_as_for_an_unknown_id(app, shared) -> None:
    audit_id = await mandated_audit_id(app, shared)
    stranger = Caller(app, shared, member("m-z"))

    for path, params, unknown_path, unknown_params in factory_scoped_reads(audit_id):
        hidden, unknown = await stranger.get(path, **params), await stranger.get(unknown_path, **unknown_params)
        assert hidden.status_code == unknown.status_code == 404, path
        assert hidden.headers["content-type"] == unknown.headers["content-type"] == "application/problem+json"
        assert {**hidden.json(), "detail": None} == {**unknown.json(), "detail": None}


async def test_every_factory_scoped_read_answers_the_linked_members_the_operator_and_the_factory(
    app, shared
) -> None:
    audit_id = await mandated_audit_id(app, shared)  # semi-announced: the factory knows of it

    for caller in (member("m-a"), member("m-b"), operator(), factory_account("f-1")):
        for path, params, _, _ in factory_scoped_reads(audit_id):
            answer = await Caller(app, shared, caller).get(path, **params)
            assert answer.status_code == 200, (caller.organisation_id, path)


async def test_another_linked_member_reads_a_linked_member_as_the_one_who_mandated(app, shared) -> None:
    audit_id = await mandated_audit_id(app, shared)

    seen_by_other = (await Caller(app, shared, member("m-b")).get(f"/audits/{audit_id}")).json()
    seen_by_own = (await Caller(app, shared, member("m-a")).get(f"/audits/{audit_id}")).json()

    assert (seen_by_other["member_id"], seen_by_own["member_id"]) == (LINKED_MEMBER, "m-a")


async def test_the_factory_reads_the_summary_of_its_report_never_the_report(app, shared, submission) -> None:
    audit_id = await published_audit_id(app, shared, submission(("S7.02",)))

    seen_by_factory = (await Caller(app, shared, factory_account("f-1")).get("/audits/" + audit_id)).json()
    seen_by_member = (await Caller(app, shared, member("m-a")).get("/audits/" + audit_id)).json()

    assert seen_by_factory["report"]["letter"] == seen_by_member["report"]["letter"]
    assert seen_by_factory["report"]["chapter_scores"] == seen_by_member["report"]["chapter_scores"]
    assert seen_by_factory["report"]["detail"] is None and seen_by_factory["report"]["findings"] is None
    assert seen_by_factory["due"] == [] and seen_by_member["due"] != []
    assert seen_by_member["report"]["detail"]["findings"][0]["question_id"] == "S7.02"


async def test_an_audit_company_pages_through_its_mandates_by_the_next_link(app, shared) -> None:
    first_id, second_id = await mandated_audit_id(app, shared), await mandated_audit_id(app, shared)
    company = Caller(app, shared, audit_company("ac-1"))

    first = await company.get("/mandates", limit=1)
    following = await app.client.get(first.headers["Link"].split(";")[0].strip("<>"),
                                         headers=shared.token_verifier.headers(audit_company("ac-1")))

    assert first.status_code == 200 and first.headers["X-Next-Cursor"]
    assert following.status_code == 200 and "Link" not in following.headers
    assert sorted(mandate["audit_id"] for mandate in first.json() + following.json()) == sorted([first_id, second_id])


async def test_a_member_pages_through_a_sites_audits_by_the_next_link(app, shared) -> None:
    mandated = sorted([await mandated_audit_id(app, shared) for _ in range(3)])
    linked = Caller(app, shared, member("m-a"))

    first = await linked.get("/audits", factory_id="f-1", limit=2)
    following = await app.client.get(first.headers["Link"].split(";")[0].strip("<>"),
                                     headers=shared.token_verifier.headers(member("m-a")))

    assert [audit["audit_id"] for audit in first.json()] == mandated[:2]
    assert first.headers["X-Next-Cursor"] == mandated[1] and "Link" not in following.headers
    assert [audit["audit_id"] for audit in following.json()] == mandated[2:]


async def test_a_window_without_its_end_is_refused_with_a_problem(app, shared) -> None:
    answer = await Caller(app, shared, member("m-a")).post("/audits", {**MANDATE, "window_ends_on": None})

    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert "window_ends_on" in answer.json()["detail"]
