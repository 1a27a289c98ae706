"""The deadline rules: GET /caps/rules for the factories' Handbook, and the versions the operator publishes."""

from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cap_service.adapters.rules import load_deadline_rules
from cap_service.domain.model import Cap
from cap_service.domain.rule_sets import DEADLINES
from cap_service.entrypoints.http.rules_routes import router
from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.rule_sets import deadline_rule_sets
from shared_audits.auth import Principal
from shared_audits.contracts import wrap
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import AuditReportPublished, DeadlineRulesVersionPublished
from shared_audits.http import CurrentPrincipal, install_problem_handlers
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection, operator

FACTORY = Principal(subject="u1", organisation_id="o1", organisation_kind=OrganisationKind.FACTORY, factory_id="site-1")


@pytest.fixture
async def versioned_caps() -> CapHandlers:
    """Handlers whose deadline rules are versioned (the shipped file seeded as the first version)."""
    shipped = load_deadline_rules()
    published = deadline_rule_sets(InMemoryAggregateStore(), cache_seconds=0)
    await published.seed({DEADLINES: shipped})
    return CapHandlers(caps=InMemoryAggregateStore(), links=InMemoryLinkProjection(set()), deadline_rules=shipped,
                       published_rules=published)


def client(caps: CapHandlers, caller: Principal) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.cap_handlers = caps
    app.include_router(router, prefix="/caps")
    app.dependency_overrides[CurrentPrincipal.__metadata__[0].dependency] = lambda: caller
    return TestClient(app)


def test_a_factory_reads_the_deadlines_by_severity_shortest_first(versioned_caps: CapHandlers) -> None:
    rules = load_deadline_rules()
    answer = client(versioned_caps, FACTORY).get("/caps/rules").json()

    assert answer["version"] == rules.version and answer["counted_from"] == "report_published"
    assert [(d["severity"], d["days"]) for d in answer["deadlines"]] == [("critical", 30), ("major", 60), ("minor", 90)]
    published = date(2026, 3, 1)
    for deadline in answer["deadlines"]:
        assert (rules.deadline_for(deadline["severity"], published) - published).days == deadline["days"]


def test_inconsistent_deadlines_are_refused_field_by_field_and_only_the_operator_publishes(versioned_caps: CapHandlers) -> None:
    api = client(versioned_caps, operator())
    longer_for_critical = api.post("/caps/rules/deadlines/versions", json={
        "version": "2026.2", "days_by_severity": {"critical": 120, "major": 60}})
    assert longer_for_critical.status_code == 422
    errors = {e["field"]: e["message"] for e in longer_for_critical.json()["errors"]}
    assert "minor has none" in errors["body.days_by_severity.minor"]
    assert "less time than critical" in errors["body.days_by_severity.major"]
    older = api.post("/caps/rules/deadlines/versions", json={**load_deadline_rules().model_dump(), "version": "2025.1"})
    assert older.status_code == 422 and older.json()["errors"][0]["field"] == "body.version"
    assert api.post("/caps/rules/deadlines/versions", json=load_deadline_rules().model_dump()).status_code == 409
    assert client(versioned_caps, FACTORY).post("/caps/rules/deadlines/versions", json={
        "version": "2026.2", "days_by_severity": {"critical": 10, "major": 20, "minor": 30}}).status_code == 403


async def test_a_cap_opened_after_a_new_version_takes_its_deadlines_from_it(versioned_caps: CapHandlers) -> None:
    report = AuditReportPublished(
        audit_id="a-1", factory_id="f-1", audit_type="initial", compliance_percentage=60, letter="C",
        rule_set_version="2026.1", published_at=datetime(2026, 3, 1, tzinfo=UTC),
        findings=[{"finding_id": "n-1", "chapter": "S9", "severity": "critical", "description": "Exit locked",
                   "recommended_action": "Unlock"}])
    await versioned_caps.published_rules.publish(operator(), DEADLINES, {
        "version": "2026.2", "days_by_severity": {"critical": 10, "major": 20, "minor": 30}})
    await versioned_caps.open_cap(report, wrap(report, producer="audit-service"))

    cap = await versioned_caps.caps.get(Cap.id_for_audit("a-1"))
    assert cap.rule_set_version == "2026.2" and cap.items[0].deadline == date(2026, 3, 11)
    announced = versioned_caps.published_rules.versions.published
    assert [(e.version, e.previous_version) for e in announced if isinstance(e, DeadlineRulesVersionPublished)] \
        == [("2026.2", "2026.1")]
    listed = client(versioned_caps, FACTORY).get("/caps/rules/deadlines/versions").json()
    assert [(v["version"], v["in_force"], v["shipped"]) for v in listed] == [("2026.2", True, False),
                                                                             ("2026.1", False, True)]
