"""The report form: the questionnaire as fieldsets, the fields a browser sends as the report body,
and the audit service's error paths put back next to those fields. Pure: no I/O.

The audit service judges the report (which questions must be answered, the dates, the findings);
this module only translates between form fields and the body of POST /audits/{id}/report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

ANSWER_VALUES = ("yes", "no", "not_applicable")
SEVERITIES = ("minor", "major", "critical")
DATE_FIELDS = ("audit_first_day", "audit_last_day")
SAMPLE_FIELDS = ("workers_interviewed", "documents_sampled", "auditor_days")
FINDING_TEXTS = ("description", "observation", "recommended_action")
FINDING_FIELDS = ("chapter", "question_id", "severity", *FINDING_TEXTS)
# The schema's limit on findings; a form grows one row at a time up to it.
MAX_FINDING_ROWS = 500
SCOPE_PILLARS = {"social": {"social"}, "environmental": {"environmental"}, "both": {"social", "environmental"}}
SCORED_KINDS = ("rated", "critical")
GENERAL = ""  # the key of errors that belong to no field: shown above the form

_BODY_PREFIX = "body."


@dataclass(frozen=True)
class Question:
    id: str
    chapter: str
    kind: str
    weight: float
    text: str

    @property
    def field(self) -> str:
        """The form field of the answer (yes / no / not applicable)."""
        return f"answer.{self.id}"

    @property
    def note_field(self) -> str:
        return f"note.{self.id}"

    @property
    def slug(self) -> str:
        """The question id as an HTML id part."""
        return _slug(self.id)

    @property
    def is_information(self) -> bool:
        """Recorded as a note; no yes / no."""
        return self.kind == "information"

    @property
    def is_scored(self) -> bool:
        return self.kind in SCORED_KINDS


@dataclass(frozen=True)
class ChapterSection:
    id: str
    pillar: str
    title: str
    questions: tuple[Question, ...]

    @property
    def slug(self) -> str:
        return _slug(self.id)


def sections_for(questionnaire: Mapping, scope: str) -> list[ChapterSection]:
    """The chapters of an audit of ``scope`` with their questions, in questionnaire order."""
    pillars = SCOPE_PILLARS.get(scope, set())
    questions: dict[str, list[Question]] = {}
    for q in questionnaire.get("questions", []):
        questions.setdefault(q["chapter"], []).append(
            Question(id=q["id"], chapter=q["chapter"], kind=q["kind"], weight=float(q.get("weight") or 0),
                     text=q["text"]))
    return [
        ChapterSection(id=c["id"], pillar=c["pillar"], title=c["title"], questions=tuple(questions.get(c["id"], ())))
        for c in questionnaire.get("chapters", []) if c["pillar"] in pillars
    ]


def finding_field(row: int, name: str) -> str:
    return f"finding.{row}.{name}"


@dataclass
class ReportDraft:
    """The body to send, and where each of its list entries came from in the form."""

    body: dict
    answer_questions: list[str] = field(default_factory=list)  # question id of body["answers"][i]
    finding_rows: list[int] = field(default_factory=list)  # form row of body["findings"][i]


def read_form(sections: list[ChapterSection], form: Mapping[str, str], finding_rows: int) -> ReportDraft:
    """The report body a filled-in form stands for.

    Blank answers and blank finding rows are left out (the service names what is missing); text is
    sent as typed, so that the service, not the portal, says what is wrong with it.
    """
    body: dict = {}
    for name in (*DATE_FIELDS, *SAMPLE_FIELDS):
        value = _text(form, name)
        if value:
            body[name] = value
    draft = ReportDraft(body=body)
    answers: list[dict] = []
    questions = {}
    for section in sections:
        for question in section.questions:
            questions[question.id] = question
            answer = _answer(question, form)
            if answer is not None:
                answers.append(answer)
                draft.answer_questions.append(question.id)
    body["answers"] = answers
    findings: list[dict] = []
    for row in range(min(finding_rows, MAX_FINDING_ROWS)):
        finding = _finding(row, form, questions)
        if finding is not None:
            findings.append(finding)
            draft.finding_rows.append(row)
    body["findings"] = findings
    return draft


def _answer(question: Question, form: Mapping[str, str]) -> dict | None:
    note = _text(form, question.note_field)
    if question.is_information:
        return {"question_id": question.id, "note": note} if note else None
    value = _text(form, question.field)
    if not value and not note:
        return None
    answer: dict = {"question_id": question.id, "value": value or None}
    if note:
        answer["note"] = note
    return answer


def _finding(row: int, form: Mapping[str, str], questions: Mapping[str, Question]) -> dict | None:
    values = {name: _text(form, finding_field(row, name)) for name in FINDING_FIELDS}
    if not any(values.values()):
        return None
    question = questions.get(values["question_id"])
    if not values["chapter"] and question is not None:
        values["chapter"] = question.chapter  # the question says which chapter the finding is in
    finding = {name: values[name] for name in ("chapter", "severity", "description", "recommended_action")}
    for optional in ("observation", "question_id"):
        if values[optional]:
            finding[optional] = values[optional]
    return finding


def _text(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class FormErrors:
    """Messages by form field (GENERAL: above the form), in the order the service gave them."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        messages = self.by_field.setdefault(name, [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, name: str) -> list[str]:
        return self.by_field.get(name, [])

    @property
    def general(self) -> list[str]:
        return self.get(GENERAL)

    def summary(self) -> list[tuple[str, str]]:
        """(field, message) for every message, for a list of links at the top of the form."""
        return [(name, message) for name, messages in self.by_field.items() for message in messages]


def errors_in_place(errors: list[Mapping], draft: ReportDraft, known_questions: set[str]) -> FormErrors:
    """The service's errors (``field`` like ``body.answers.3.value`` or ``findings.0.chapter``) by form field.

    Errors about the list of answers or findings as a whole name the question in their message
    ("rated question S1.02 is not answered"): they go next to that question.
    """
    placed = FormErrors()
    for error in errors:
        path = str(error.get("field") or "")
        message = str(error.get("message") or "")
        for name in _fields_of(path, message, draft, known_questions):
            placed.add(name, message)
    return placed


def _fields_of(path: str, message: str, draft: ReportDraft, known_questions: set[str]) -> list[str]:
    if path.startswith(_BODY_PREFIX):
        path = path[len(_BODY_PREFIX):]
    parts = path.split(".")
    head = parts[0]
    if head in (*DATE_FIELDS, *SAMPLE_FIELDS):
        return [head]
    index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    if head == "answers":
        if index is not None and index < len(draft.answer_questions):
            return [f"answer.{draft.answer_questions[index]}"]
        named = mentioned_questions(message, known_questions)
        return [f"answer.{question_id}" for question_id in named] or [GENERAL]
    if head == "findings":
        if index is not None and index < len(draft.finding_rows):
            row = draft.finding_rows[index]
            leaf = parts[2] if len(parts) > 2 else ""
            return [finding_field(row, leaf if leaf in FINDING_FIELDS else "description")]
        named = mentioned_questions(message, known_questions)
        # An undocumented critical "no": next to the question, and above the findings.
        return [f"answer.{question_id}" for question_id in named] + ["findings"]
    return [GENERAL]


_TOKEN = re.compile(r"[A-Za-z0-9_.\-]+")


def mentioned_questions(message: str, known_questions: set[str]) -> list[str]:
    """The questionnaire's question ids that a message names, in the order it names them."""
    found = []
    for token in _TOKEN.findall(message):
        token = token.rstrip(".")
        if token in known_questions and token not in found:
            found.append(token)
    return found


def upload_errors(errors: list[Mapping]) -> list[tuple[str, str]]:
    """(path in the JSON body, message) for a report sent as a file: ``answers.3.value``, not ``body....``."""
    listed = []
    for error in errors:
        path = str(error.get("field") or "")
        if path.startswith(_BODY_PREFIX):
            path = path[len(_BODY_PREFIX):]
        elif path == "body":
            path = ""
        listed.append((path, str(error.get("message") or "")))
    return listed


class UploadRefused(ValueError):
    """The uploaded file is not a report body: not JSON, or not a JSON object."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_json" or "not_object"


def parse_upload(content: bytes) -> dict:
    """The report body in an uploaded JSON file (UTF-8, with or without a byte order mark)."""
    try:
        body = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UploadRefused("not_json") from error
    if not isinstance(body, dict):
        raise UploadRefused("not_object")
    return body


def html_id(name: str) -> str:
    """The id of the element a form field's error links to (a question's block for its answer)."""
    kind, _, rest = name.partition(".")
    if kind == "answer":
        return f"q-{_slug(rest)}"
    if kind == "note":
        return f"note-{_slug(rest)}"
    if kind == "finding":
        return "finding-" + _slug(rest)
    return _slug(name) if name else "report-errors"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)
