"""A follow-up audit names the audit it follows and re-checks that audit's CAP by finding, through the gateway."""

from __future__ import annotations

import uuid

import pytest

from shared_audits_client import ApiError, eventually
from shared_audits_client.story import Cast, link_on_behalf, publish_report_with_findings, semi_announced_window
from tests.integration.cap_flows import cap_of_audit, finding, link_both_members
from tests.integration.stack import Stack


def test_a_follow_up_closes_the_question_rated_yes_and_keeps_the_one_rated_no_again(stack: Stack, cast: Cast) -> None:
    written_no, unwritten_no = [q["id"] for q in cast.auditor.questionnaire()["questions"]
                                if q["chapter"] == "S9" and q["kind"] == "rated"][:2]
    link_both_members(cast)
    # Two "no" answers in S9: one the auditor wrote up, one without a finding.
    written = {**finding("9 Health and safety"), "question_id": written_no}
    initial = publish_report_with_findings(cast, [written], unwritten_noes=(unwritten_no,))
    cap = cap_of_audit(cast, initial["audit_id"])
    items = {item["question_id"]: item for item in cap["items"]}
    assert len(cap["items"]) == 2 and set(items) == {written_no, unwritten_no}
    assert items[written_no]["description"] == written["description"]
    assert items[unwritten_no]["chapter"] == "S9" and items[unwritten_no]["severity"] == "major"

    # The follow-up, mandated naming that audit, rates the first question "yes" and the second "no" again.
    follow_up = publish_report_with_findings(cast, [], audit_type="follow_up", unwritten_noes=(unwritten_no,),
                                             follows_audit_id=initial["audit_id"])
    assert cast.member_b.audit(follow_up["audit_id"])["follows_audit_id"] == initial["audit_id"]

    def re_checked() -> dict:
        seen = {item["question_id"]: item for item in cast.member_b.cap(cap["cap_id"])["items"]}
        assert seen[written_no]["status"] == "closed", seen
        return seen

    seen = eventually(re_checked, timeout=20)
    assert [(c["outcome"], c["audit_id"]) for c in seen[written_no]["follow_ups"]] == [("closed", follow_up["audit_id"])]
    assert seen[unwritten_no]["status"] == "open" and seen[unwritten_no]["follow_ups"] == []
    # The "no" found again lives on in its item: the follow-up opens no CAP of its own.
    assert [c["audit_id"] for c in cast.member_a.caps_of_factory(cast.factory_id)] == [initial["audit_id"]]

    # Naming an audit of another site is refused, saying why.
    other_site = cast.operator.register_factory(f"Riverside Knits {uuid.uuid4().hex[:6]}", "BD", confirm_new=True)
    link_on_behalf(cast.member_a, cast.operator, other_site["factory_id"], "Second site of the same supplier")
    auditor_id = cast.organisations["auditor"].organisation_id
    mandate = {**semi_announced_window(), "audit_type": "follow_up", "follows_audit_id": initial["audit_id"]}

    def refused() -> ApiError:
        with pytest.raises(ApiError) as refusal:
            cast.member_a.mandate_audit(other_site["factory_id"], auditor_id, **mandate)
        assert refusal.value.status == 422, refusal.value  # a 404 until audit-service hears of the link
        return refusal.value

    problem = eventually(refused, timeout=20).problem
    assert "another site" in problem["detail"]
