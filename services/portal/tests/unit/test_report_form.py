"""The report form: the questionnaire as fieldsets, the form as a report body, errors back in place."""

from __future__ import annotations

import pytest

from portal.domain.report_form import (
    GENERAL,
    UploadRefused,
    errors_in_place,
    html_id,
    parse_upload,
    read_form,
    sections_for,
    upload_errors,
)

QUESTIONNAIRE = {
    "version": "2026.1",
    "chapters": [
        {"id": "S1", "pillar": "social", "title": "Management systems"},
        {"id": "S9", "pillar": "social", "title": "Health and safety"},
        {"id": "E1", "pillar": "environmental", "title": "Environmental management system"},
    ],
    "questions": [
        {"id": "S1.01", "chapter": "S1", "kind": "information", "text": "Who is responsible?"},
        {"id": "S1.02", "chapter": "S1", "kind": "rated", "weight": 2, "text": "A written policy exists."},
        {"id": "S9.01", "chapter": "S9", "kind": "critical", "weight": 3, "text": "Exits are unlocked.",
         "zero_tolerance_topic": "imminent_danger"},
        {"id": "S9.02", "chapter": "S9", "kind": "best_practice", "text": "Drills are filmed."},
        {"id": "E1.01", "chapter": "E1", "kind": "rated", "weight": 1, "text": "An EMS is in place."},
    ],
}
KNOWN = {q["id"] for q in QUESTIONNAIRE["questions"]}


def social() -> list:
    return sections_for(QUESTIONNAIRE, "social")


def test_a_social_audit_shows_the_social_chapters_with_their_questions_in_order():
    sections = social()

    assert [s.id for s in sections] == ["S1", "S9"]
    assert [q.id for q in sections[1].questions] == ["S9.01", "S9.02"]
    assert [s.id for s in sections_for(QUESTIONNAIRE, "both")] == ["S1", "S9", "E1"]
    assert [s.id for s in sections_for(QUESTIONNAIRE, "environmental")] == ["E1"]


def test_a_filled_in_form_becomes_the_report_body_the_audits_api_takes():
    form = {
        "audit_first_day": "2026-11-02", "audit_last_day": "2026-11-03",
        "workers_interviewed": "13", "documents_sampled": "13", "auditor_days": "2",
        "note.S1.01": "The HR manager, by a signed appointment.",
        "answer.S1.02": "yes",
        "answer.S9.01": "no", "note.S9.01": "Padlock on the push bar.",
        "finding.0.question_id": "S9.01", "finding.0.severity": "critical",
        "finding.0.description": "The emergency exit was locked.",
        "finding.0.recommended_action": "Remove the lock at once.",
    }

    draft = read_form(social(), form, finding_rows=2)

    assert draft.body == {
        "audit_first_day": "2026-11-02", "audit_last_day": "2026-11-03",
        "workers_interviewed": "13", "documents_sampled": "13", "auditor_days": "2",
        "answers": [
            {"question_id": "S1.01", "note": "The HR manager, by a signed appointment."},
            {"question_id": "S1.02", "value": "yes"},
            {"question_id": "S9.01", "value": "no", "note": "Padlock on the push bar."},
        ],
        "findings": [{
            "chapter": "S9", "severity": "critical", "description": "The emergency exit was locked.",
            "recommended_action": "Remove the lock at once.", "question_id": "S9.01",
        }],
    }
    assert draft.answer_questions == ["S1.01", "S1.02", "S9.01"]
    assert draft.finding_rows == [0]


def test_blank_answers_and_blank_findings_are_left_out_for_the_service_to_name_what_is_missing():
    form = {"answer.S1.02": "", "note.S1.01": "   ", "finding.0.description": "", "finding.1.severity": "minor"}

    draft = read_form(social(), form, finding_rows=2)

    assert draft.body == {"answers": [], "findings": [
        {"chapter": "", "severity": "minor", "description": "", "recommended_action": ""}]}
    assert draft.finding_rows == [1]


def test_a_note_without_a_value_is_sent_so_that_the_service_asks_for_the_value():
    draft = read_form(social(), {"note.S1.02": "Policy seen in Bengali."}, finding_rows=0)

    assert draft.body["answers"] == [{"question_id": "S1.02", "value": None, "note": "Policy seen in Bengali."}]


def test_schema_errors_go_next_to_the_question_and_the_finding_field_they_name():
    form = {"answer.S1.02": "maybe", "answer.S9.01": "yes",
            "finding.2.description": "Dust", "finding.2.recommended_action": "Masks"}
    draft = read_form(social(), form, finding_rows=3)
    errors = [
        {"field": "body.answers.0.value", "message": "Input should be 'yes', 'no' or 'not_applicable'"},
        {"field": "body.findings.0.severity", "message": "Field required"},
        {"field": "body.audit_first_day", "message": "Field required"},
    ]

    placed = errors_in_place(errors, draft, KNOWN)

    assert placed.get("answer.S1.02") == ["Input should be 'yes', 'no' or 'not_applicable'"]
    assert placed.get("finding.2.severity") == ["Field required"]
    assert placed.get("audit_first_day") == ["Field required"]
    assert placed.general == []


def test_a_missing_answer_goes_next_to_the_question_its_message_names():
    draft = read_form(social(), {}, finding_rows=1)
    errors = [{"field": "answers", "message": "rated question S1.02 is not answered"},
              {"field": "answers", "message": "rated question S9.01 is not answered"}]

    placed = errors_in_place(errors, draft, KNOWN)

    assert placed.get("answer.S1.02") == ["rated question S1.02 is not answered"]
    assert placed.get("answer.S9.01") == ["rated question S9.01 is not answered"]
    assert [name for name, _ in placed.summary()] == ["answer.S1.02", "answer.S9.01"]


def test_an_undocumented_critical_no_is_shown_at_the_question_and_above_the_findings():
    draft = read_form(social(), {"answer.S9.01": "no"}, finding_rows=1)
    message = "critical question S9.01 was answered no: document it with a finding naming that question_id"

    placed = errors_in_place([{"field": "findings", "message": message}], draft, KNOWN)

    assert placed.get("answer.S9.01") == [message]
    assert placed.get("findings") == [message]


def test_an_error_the_form_has_no_field_for_is_shown_above_the_form():
    draft = read_form(social(), {}, finding_rows=0)

    placed = errors_in_place([{"field": "body", "message": "Extra inputs are not permitted"}], draft, KNOWN)

    assert placed.general == ["Extra inputs are not permitted"]
    assert placed.get(GENERAL) == placed.general


def test_error_links_point_at_the_element_of_the_field():
    assert html_id("answer.S1.02") == "q-S1-02"
    assert html_id("finding.3.recommended_action") == "finding-3-recommended_action"
    assert html_id("audit_first_day") == "audit_first_day"
    assert html_id(GENERAL) == "report-errors"


def test_an_uploaded_report_is_one_json_object():
    assert parse_upload(b'\xef\xbb\xbf{"answers": []}') == {"answers": []}
    with pytest.raises(UploadRefused) as not_json:
        parse_upload(b"audit_first_day: 2026-11-02")
    assert not_json.value.reason == "not_json"
    with pytest.raises(UploadRefused) as not_object:
        parse_upload(b"[1, 2]")
    assert not_object.value.reason == "not_object"


def test_the_errors_of_an_uploaded_report_are_listed_by_their_path_in_the_file():
    errors = [{"field": "body.answers.3.value", "message": "Input should be 'yes'"},
              {"field": "findings.0.chapter", "message": "chapter S2 is not in the audit's scope"},
              {"field": "body", "message": "Field required"}]

    assert upload_errors(errors) == [("answers.3.value", "Input should be 'yes'"),
                                     ("findings.0.chapter", "chapter S2 is not in the audit's scope"),
                                     ("", "Field required")]
