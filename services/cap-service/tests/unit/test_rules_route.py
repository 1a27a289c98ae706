"""GET /caps/rules: the deadlines every CAP item gets, for the factories' Handbook."""

from datetime import date
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cap_service.adapters.rules import load_deadline_rules
from cap_service.entrypoints.http.rules_routes import router
from shared_audits.auth import Principal
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.http import CurrentPrincipal


def test_a_factory_reads_the_deadlines_by_severity_shortest_first() -> None:
    rules = load_deadline_rules()
    app = FastAPI()
    app.state.cap_handlers = SimpleNamespace(deadline_rules=rules)
    app.include_router(router, prefix="/caps")
    factory = Principal(subject="u1", organisation_id="o1", organisation_kind=OrganisationKind.FACTORY,
                        factory_id="site-1")
    app.dependency_overrides[CurrentPrincipal.__metadata__[0].dependency] = lambda: factory

    answer = TestClient(app).get("/caps/rules").json()

    assert answer["version"] == rules.version and answer["counted_from"] == "report_published"
    assert [(d["severity"], d["days"]) for d in answer["deadlines"]] == [("critical", 30), ("major", 60), ("minor", 90)]
    published = date(2026, 3, 1)
    for deadline in answer["deadlines"]:
        assert (rules.deadline_for(deadline["severity"], published) - published).days == deadline["days"]
