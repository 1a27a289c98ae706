"""The versioned questionnaire and what answers to it mean: validation and scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, Field, PrivateAttr, model_validator

from shared_audits.contracts.enums import AuditScope


class Pillar(StrEnum):
    SOCIAL = "social"
    ENVIRONMENTAL = "environmental"


class QuestionKind(StrEnum):
    INFORMATION = "information"  # recorded, not rated
    RATED = "rated"  # weighted; yes / no / not applicable
    CRITICAL = "critical"  # rated, and a "no" raises an alert
    BEST_PRACTICE = "best_practice"  # reported, not scored


SCORED_KINDS = (QuestionKind.RATED, QuestionKind.CRITICAL)


class AnswerValue(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "not_applicable"


class Chapter(BaseModel):
    id: str
    pillar: Pillar
    title: str


class Question(BaseModel):
    id: str
    chapter: str
    kind: QuestionKind
    weight: float = Field(default=0, ge=0)
    text: str
    zero_tolerance_topic: str | None = None

    @property
    def scored(self) -> bool:
        return self.kind in SCORED_KINDS


class Answer(BaseModel):
    question_id: str
    value: AnswerValue | None = None
    note: str | None = None


@dataclass(frozen=True)
class Scores:
    percentage: float
    chapter_percentages: dict[str, float | None]
    critical_noes: list[str] = field(default_factory=list)
    noes: list[str] = field(default_factory=list)


_PILLARS = {
    AuditScope.SOCIAL: {Pillar.SOCIAL},
    AuditScope.ENVIRONMENTAL: {Pillar.ENVIRONMENTAL},
    AuditScope.BOTH: {Pillar.SOCIAL, Pillar.ENVIRONMENTAL},
}


class Questionnaire(BaseModel):
    version: str
    description: str = ""
    chapters: list[Chapter]
    questions: list[Question]
    # Looked up for every answer of every report: indexed once, when the rules are loaded.
    _by_id: dict[str, Question] = PrivateAttr(default_factory=dict)
    _in_scope: dict[AuditScope, dict[str, Question]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        chapter_ids = {chapter.id for chapter in self.chapters}
        question_ids = [question.id for question in self.questions]
        if len(set(question_ids)) != len(question_ids):
            raise ValueError("question ids must be unique")
        for question in self.questions:
            if question.chapter not in chapter_ids:
                raise ValueError(f"question {question.id} names unknown chapter {question.chapter}")
            if question.scored and question.weight <= 0:
                raise ValueError(f"scored question {question.id} needs a positive weight")
        self._by_id = {question.id: question for question in self.questions}
        for scope, pillars in _PILLARS.items():
            chapter_ids = {chapter.id for chapter in self.chapters if chapter.pillar in pillars}
            self._in_scope[scope] = {q.id: q for q in self.questions if q.chapter in chapter_ids}
        return self

    def chapters_in(self, scope: AuditScope) -> list[Chapter]:
        pillars = _PILLARS[AuditScope(scope)]
        return [chapter for chapter in self.chapters if chapter.pillar in pillars]

    def questions_in(self, scope: AuditScope) -> list[Question]:
        return list(self.scoped_questions(scope).values())

    def scoped_questions(self, scope: AuditScope) -> dict[str, Question]:
        """The questions of an audit of ``scope`` by id (read-only: shared by every caller)."""
        return self._in_scope[AuditScope(scope)]

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def answer_problems(self, scope: AuditScope, answers: list[Answer]) -> list[dict[str, str]]:
        """Everything wrong with a set of answers for an audit of ``scope`` (empty when valid)."""
        in_scope = self.scoped_questions(scope)
        problems: list[dict[str, str]] = []
        seen: set[str] = set()
        for index, answer in enumerate(answers):
            where = f"answers.{index}"
            question = in_scope.get(answer.question_id)
            if answer.question_id in seen:
                problems.append(_problem(where, f"question {answer.question_id} is answered twice"))
                continue
            seen.add(answer.question_id)
            if question is None:
                known = self.question(answer.question_id) is not None
                reason = "is outside the audit's scope" if known else "is not in the questionnaire"
                problems.append(_problem(where, f"question {answer.question_id} {reason} (questionnaire {self.version})"))
                continue
            if question.kind == QuestionKind.INFORMATION:
                if answer.value is not None:
                    problems.append(_problem(where, f"{question.id} is an information question: give a note, no value"))
                elif not answer.note:
                    problems.append(_problem(where, f"{question.id} is an information question: a note is required"))
            elif answer.value is None:
                problems.append(_problem(where, f"{question.id} needs a value: yes, no or not_applicable"))
        for question in in_scope.values():
            if question.scored and question.id not in seen:
                problems.append(_problem("answers", f"rated question {question.id} is not answered"))
        return problems

    def score(self, answers: list[Answer]) -> Scores:
        """Weighted share of "yes" among the applicable rated answers, globally and per chapter."""
        by_id = {answer.question_id: answer for answer in answers}
        earned: dict[str, float] = {}
        possible: dict[str, float] = {}
        critical_noes: list[str] = []
        noes: list[str] = []
        for question in self.questions:
            answer = by_id.get(question.id)
            if answer is None:
                continue
            earned.setdefault(question.chapter, 0.0)
            possible.setdefault(question.chapter, 0.0)
            if not question.scored or answer.value == AnswerValue.NOT_APPLICABLE:
                continue
            possible[question.chapter] += question.weight
            if answer.value == AnswerValue.YES:
                earned[question.chapter] += question.weight
            else:
                noes.append(question.id)
                if question.kind == QuestionKind.CRITICAL:
                    critical_noes.append(question.id)
        total_possible = sum(possible.values())
        percentage = 100.0 if total_possible == 0 else 100 * sum(earned.values()) / total_possible
        chapters = {
            chapter: (None if possible[chapter] == 0 else round(100 * earned[chapter] / possible[chapter], 1))
            for chapter in possible
        }
        return Scores(round(percentage, 1), chapters, critical_noes, noes)


def _problem(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}
