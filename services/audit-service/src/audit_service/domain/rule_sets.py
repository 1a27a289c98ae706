"""The kinds of rule sets the operator publishes, and what makes a new version consistent with those in force.

A version is refused with one problem per field in error: rating bands that overlap or leave
percentages without a letter, a questionnaire naming a zero-tolerance topic the monitoring rules lack
(or monitoring rules dropping a topic the questionnaire names), documents naming a chapter the
questionnaire lacks, sampling bands without exactly one open-ended band.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel

from audit_service.domain.handbook import DocumentRules
from audit_service.domain.monitoring import MonitoringRules
from audit_service.domain.questionnaire import Questionnaire
from audit_service.domain.rating import RatingRules
from audit_service.domain.sampling import SamplingRules
from audit_service.domain.timing import TimingRules
from shared_audits.contracts.enums import RatingLetter

FieldProblems = list[dict[str, str]]


class RuleKind(StrEnum):
    QUESTIONNAIRE = "questionnaire"
    RATING = "rating"
    SAMPLING = "sampling"
    MONITORING = "monitoring"
    TIMING = "timing"
    DOCUMENTS = "documents"


RULE_MODELS: dict[str, type[BaseModel]] = {
    RuleKind.QUESTIONNAIRE: Questionnaire,
    RuleKind.RATING: RatingRules,
    RuleKind.SAMPLING: SamplingRules,
    RuleKind.MONITORING: MonitoringRules,
    RuleKind.TIMING: TimingRules,
    RuleKind.DOCUMENTS: DocumentRules,
}


def consistency_problems(kind: str, rules: BaseModel, in_force: Mapping[str, BaseModel]) -> FieldProblems:
    """Everything wrong with a new version of ``kind``, alone and against the other kinds in force."""
    match rules:
        case RatingRules():
            return _rating_problems(rules)
        case Questionnaire():
            return _questionnaire_problems(rules, in_force)
        case MonitoringRules():
            return _monitoring_problems(rules, in_force)
        case SamplingRules():
            return _sampling_problems(rules)
        case TimingRules():
            return _timing_problems(rules)
        case DocumentRules():
            return _documents_problems(rules, in_force)
    return []


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": f"body.{field}", "message": message}


def _duplicates(field: str, values: list[str | None], what: str) -> FieldProblems:
    """One problem at ``field.<index>`` for each repetition of a value (None: not compared)."""
    counts = Counter(value for value in values if value is not None)
    return [_problem(field.replace("*", str(index)), f"{what} {value} appears twice")
            for index, value in enumerate(values)
            if value is not None and counts[value] > 1 and values.index(value) != index]


def _rating_problems(rating: RatingRules) -> FieldProblems:
    """One band per letter, A highest; each letter's threshold below the better letter's; E from 0."""
    bands = rating.letter_bands
    letters = [str(band.letter) for band in bands]
    problems = _duplicates("letter_bands.*.letter", letters, "letter")
    missing = [str(letter) for letter in RatingLetter if str(letter) not in letters]
    if missing:
        problems.append(_problem("letter_bands", f"every letter needs a band; missing {', '.join(missing)}"))
    if problems:
        return problems
    order = [str(letter) for letter in RatingLetter]
    ordered = sorted(enumerate(bands), key=lambda pair: order.index(str(pair[1].letter)))
    for (_, better), (index, band) in zip(ordered, ordered[1:]):
        if band.min_percentage >= better.min_percentage:
            problems.append(_problem(f"letter_bands.{index}.min_percentage",
                                     f"{band.letter} from {band.min_percentage:g}% overlaps {better.letter} "
                                     f"(from {better.min_percentage:g}%): it must start lower"))
    lowest_index, lowest = ordered[-1]
    if lowest.min_percentage != 0:
        problems.append(_problem(f"letter_bands.{lowest_index}.min_percentage",
                                 f"the lowest letter must start at 0%: below {lowest.min_percentage:g}% "
                                 "no letter would be given"))
    return problems


def _questionnaire_problems(questionnaire: Questionnaire, in_force: Mapping[str, BaseModel]) -> FieldProblems:
    problems = _duplicates("chapters.*.id", [chapter.id for chapter in questionnaire.chapters], "chapter")
    monitoring = in_force.get(RuleKind.MONITORING)
    if isinstance(monitoring, MonitoringRules):
        topics = monitoring.topic_ids()
        for index, question in enumerate(questionnaire.questions):
            if question.zero_tolerance_topic is not None and question.zero_tolerance_topic not in topics:
                problems.append(_problem(f"questions.{index}.zero_tolerance_topic",
                                         f"topic {question.zero_tolerance_topic} is not in the monitoring rules "
                                         f"{monitoring.version}"))
    documents = in_force.get(RuleKind.DOCUMENTS)
    if isinstance(documents, DocumentRules):
        chapters = {chapter.id for chapter in questionnaire.chapters}
        named = sorted({chapter for document in documents.documents for chapter in document.chapters} - chapters)
        if named:
            problems.append(_problem("chapters", f"chapters {', '.join(named)} are named by the documents rules "
                                     f"{documents.version}: keep them, or publish documents without them first"))
    return problems


def _monitoring_problems(monitoring: MonitoringRules, in_force: Mapping[str, BaseModel]) -> FieldProblems:
    problems = _duplicates("zero_tolerance_topics.*.id", [topic.id for topic in monitoring.zero_tolerance_topics],
                           "topic")
    questionnaire = in_force.get(RuleKind.QUESTIONNAIRE)
    if isinstance(questionnaire, Questionnaire):
        topics = monitoring.topic_ids()
        for question in questionnaire.questions:
            if question.zero_tolerance_topic is not None and question.zero_tolerance_topic not in topics:
                problems.append(_problem("zero_tolerance_topics",
                                         f"topic {question.zero_tolerance_topic} is named by question {question.id} "
                                         f"of the questionnaire {questionnaire.version}"))
    return problems


def _sampling_problems(sampling: SamplingRules) -> FieldProblems:
    open_ended = [index for index, band in enumerate(sampling.bands) if band.max_workers is None]
    problems = _duplicates("bands.*.max_workers",
                           [None if band.max_workers is None else str(band.max_workers) for band in sampling.bands],
                           "max_workers")
    if len(open_ended) != 1:
        problems.append(_problem("bands", "exactly one band has no max_workers (the largest sites)"))
    return problems


def _timing_problems(timing: TimingRules) -> FieldProblems:
    problems = _duplicates("follow_up_letters.*", [str(letter) for letter in timing.follow_up_letters], "letter")
    if timing.report_in_database_working_days < timing.report_due_working_days:
        problems.append(_problem("report_in_database_working_days",
                                 f"at least report_due_working_days ({timing.report_due_working_days})"))
    return problems


def _documents_problems(documents: DocumentRules, in_force: Mapping[str, BaseModel]) -> FieldProblems:
    problems = _duplicates("documents.*.id", [document.id for document in documents.documents], "document")
    questionnaire = in_force.get(RuleKind.QUESTIONNAIRE)
    if isinstance(questionnaire, Questionnaire):
        chapters = {chapter.id for chapter in questionnaire.chapters}
        for index, document in enumerate(documents.documents):
            unknown = [chapter for chapter in document.chapters if chapter not in chapters]
            if unknown:
                problems.append(_problem(f"documents.{index}.chapters",
                                         f"{', '.join(unknown)} not in the questionnaire {questionnaire.version}"))
    return problems
