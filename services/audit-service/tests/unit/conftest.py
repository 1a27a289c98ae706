"""Fixtures of audit-service's unit tests: the handlers over in-memory fakes and a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from audit_service.adapters.rules import load_rule_book, shipped_rule_sets
from audit_service.adapters.working_days import working_calendar
from audit_service.bootstrap import Adapters, build_app
from audit_service.config import Settings
from audit_service.domain.model import ReportSubmission
from audit_service.domain.questionnaire import Answer, AnswerValue, QuestionKind
from audit_service.domain.rules import RuleBook
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.risk import RiskReadModel
from audit_service.service_layer.rule_books import RuleBooks
from shared_audits.contracts.enums import AuditScope
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import CodeOfConductSigned, FactoryProfileSubmitted
from shared_audits.testing import (
    InMemoryAggregateStore,
    InMemoryLinkProjection,
    InMemoryMergedFactories,
    InMemorySharedAdapters,
    RunningApp,
    running,
)

from .fakes import InMemoryAuditCompanies, InMemoryMandates, InMemoryReadiness, InMemoryRiskPictures, InMemorySites


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


TODAY = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday


@pytest.fixture
def rules() -> RuleBook:
    return load_rule_book()


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
async def rule_books(clock: Clock) -> RuleBooks:
    """The published versions over an in-memory store, holding the shipped rule sets (as at start)."""
    books = RuleBooks(InMemoryAggregateStore(), clock, cache_seconds=0)
    await books.seed(shipped_rule_sets())
    return books


@pytest.fixture
def audits(rule_books: RuleBooks, clock: Clock) -> AuditHandlers:
    return AuditHandlers(
        audits=InMemoryAggregateStore(),
        links=InMemoryLinkProjection({("m-a", "f-1"), ("m-b", "f-1")}),
        audit_companies=InMemoryAuditCompanies({"ac-1"}),
        readiness=InMemoryReadiness(),
        risk=RiskReadModel(InMemoryRiskPictures()),  # the real rules over pictures in a dict
        rules=rule_books,
        sites=InMemorySites(),  # no country known: Monday to Friday, unless a test places the site
        calendars=working_calendar,  # the real one: the holidays library's data, no I/O
        merged_factories=InMemoryMergedFactories(),
        clock=clock,
    )


@pytest.fixture
def make_ready(audits: AuditHandlers) -> Callable[..., object]:
    """The factory submits its profile and signs the Code of Conduct (as the events would tell)."""

    async def ready(factory_id: str = "f-1", workforce: int = 420, code_version: str = "2026-01") -> None:
        profile = FactoryProfileSubmitted(factory_id=factory_id, profile_version=1, workforce_total=workforce)
        await audits.readiness.apply_profile_submitted(profile, wrap(profile, producer="test"))
        signed = CodeOfConductSigned(organisation_id=f"org-{factory_id}", code_version=code_version,
                                     signed_by="site manager", signed_at=TODAY, factory_id=factory_id)
        await audits.readiness.apply_code_signed(signed, wrap(signed, producer="test"))

    return ready


@pytest.fixture
def submission(rules: RuleBook) -> Callable[..., ReportSubmission]:
    """A complete social report: every rated question 'yes' unless told otherwise."""

    def build(noes: tuple[str, ...] = (), findings: list | None = None, scope: AuditScope = AuditScope.SOCIAL,
              **overrides: object) -> ReportSubmission:
        answers = []
        for question in rules.questionnaire.questions_in(scope):
            if question.kind == QuestionKind.INFORMATION:
                answers.append(Answer(question_id=question.id, note="recorded on site"))
            else:
                value = AnswerValue.NO if question.id in noes else AnswerValue.YES
                answers.append(Answer(question_id=question.id, value=value))
        fields = dict(audit_first_day=date(2026, 11, 17), audit_last_day=date(2026, 11, 18), answers=answers,
                      findings=findings or [], workers_interviewed=13, documents_sampled=13, auditor_days=2)
        return ReportSubmission(**{**fields, **overrides})

    return build


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    """The runtime's own adapters in memory: m-a and m-b linked to f-1 (as the handlers' fixture)."""
    shared = InMemorySharedAdapters()
    shared.links.links |= {("m-a", "f-1"), ("m-b", "f-1")}
    return shared


@pytest.fixture
def adapters(shared: InMemorySharedAdapters) -> Adapters:
    """audit-service's adapters in memory, for the app built by its own bootstrap."""
    audits = shared.store()
    return Adapters(
        audits=audits,
        rule_set_versions=shared.store(),
        audit_companies=InMemoryAuditCompanies({"ac-1"}),
        readiness=InMemoryReadiness(),
        risk_pictures=InMemoryRiskPictures(),
        site_names=InMemorySites(),
        mandates=InMemoryMandates(audits),
        shared=shared,
    )


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """The app of ``build_app`` over the fakes, running on FastStream's TestKafkaBroker (no Mongo, no Kafka)."""
    async with running(build_app(Settings(), adapters=adapters)) as service:
        yield service
