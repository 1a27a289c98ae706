"""The rule sets are versioned data: questionnaire, sampling, timing and monitoring."""

from datetime import date

import pytest

from audit_service.adapters.working_days import working_calendar
from audit_service.domain.questionnaire import Answer, QuestionKind
from audit_service.domain.rules import RuleBook
from audit_service.domain.timing import add_months, add_working_days
from shared_audits.contracts.enums import AuditScope, AuditType


def test_the_default_questionnaire_covers_every_chapter_with_every_kind(rules: RuleBook) -> None:
    questionnaire = rules.questionnaire
    assert len(questionnaire.questions) >= 60
    assert [c.id for c in questionnaire.chapters] == [f"S{n}" for n in range(1, 10)] + [f"E{n}" for n in range(1, 9)]
    for chapter in questionnaire.chapters:
        assert any(q.chapter == chapter.id and q.scored for q in questionnaire.questions), chapter.id
    assert {q.kind for q in questionnaire.questions} == set(QuestionKind)
    topics = rules.monitoring.topic_ids()
    assert {q.zero_tolerance_topic for q in questionnaire.questions if q.zero_tolerance_topic} <= topics
    assert len(questionnaire.questions_in(AuditScope.BOTH)) == len(questionnaire.questions)


def test_scores_weigh_the_rated_answers_and_ignore_the_others(rules: RuleBook) -> None:
    answers = [
        Answer(question_id="E4.01", value="yes"),  # rated, weight 3
        Answer(question_id="E4.02", value="no"),  # rated, weight 2
        Answer(question_id="E4.03", value="not_applicable"),  # critical, left out
        Answer(question_id="E6.03", value="no"),  # best practice: reported, not scored
        Answer(question_id="E2.01", note="grid and solar"),  # information
    ]
    scores = rules.questionnaire.score(answers)
    assert scores.percentage == 60.0
    assert scores.chapter_percentages == {"E4": 60.0, "E6": None, "E2": None}
    assert scores.critical_noes == [] and scores.noes == ["E4.02"]


@pytest.mark.parametrize(
    ("workforce", "interviews", "auditor_days"),
    [(1, 8, 1), (150, 8, 1), (151, 13, 2), (500, 13, 2), (501, 20, 3), (1200, 20, 3), (1201, 32, 4), (9000, 32, 4)],
)
def test_the_handbook_sample_follows_the_workforce(rules: RuleBook, workforce, interviews, auditor_days) -> None:
    sample = rules.sampling.required_for(workforce, AuditType.INITIAL)
    assert (sample.interviews, sample.documents, sample.auditor_days) == (interviews, interviews, auditor_days)
    assert sample.focus_group_interviews + sample.individual_interviews == interviews
    assert sample.months_of_records_per_document == 3 and sample.rule_set_version == "2026.1"


def test_a_follow_up_takes_one_auditor_day(rules: RuleBook) -> None:
    assert rules.sampling.required_for(2000, AuditType.FOLLOW_UP).auditor_days == 1


def test_report_and_follow_up_deadlines(rules: RuleBook) -> None:
    timing = rules.timing
    assert add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)  # Friday to Friday
    assert timing.report_due_on(date(2026, 11, 21)) == date(2026, 11, 27)  # from a Saturday
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert timing.follow_up_due_on("D", date(2026, 3, 1)) == date(2027, 3, 1)
    assert timing.follow_up_due_on("E", date(2026, 3, 1)) == date(2027, 3, 1)
    assert timing.follow_up_due_on("C", date(2026, 3, 1)) is None
    assert timing.re_audit_due_on(date(2026, 3, 1)) == date(2028, 3, 1)


def test_working_days_follow_the_sites_country(rules: RuleBook) -> None:
    bangladesh, unknown = working_calendar("BD"), working_calendar("XX")
    # Bangladesh rests on Friday and Saturday, and on Victory Day (Wednesday 16 December).
    assert not bangladesh.is_working_day(date(2026, 12, 16)) and not bangladesh.is_working_day(date(2026, 12, 18))
    assert bangladesh.is_working_day(date(2026, 12, 20))  # a Sunday
    assert rules.timing.report_due_on(date(2026, 12, 15), bangladesh) == date(2026, 12, 23)
    assert rules.timing.report_due_on(date(2026, 12, 15), unknown) == date(2026, 12, 22)  # Monday to Friday
    assert "holidays 0.108" in bangladesh.name and unknown.name == "Monday to Friday"
