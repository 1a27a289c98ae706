"""A follow-up audit re-checks the CAP of the audit it follows by finding: the same question, else the chapter."""

from datetime import UTC, datetime

from cap_service.domain.model import Cap
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored
from shared_audits.testing import member


def finding(finding_id: str, chapter: str, question_id: str | None) -> dict:
    return {"finding_id": finding_id, "chapter": chapter, "question_id": question_id, "severity": "major",
            "description": f"{question_id or chapter} not met", "recommended_action": "Correct it"}


def report(audit_id: str, audit_type: str, findings: list[dict], follows: str | None = None) -> AuditReportPublished:
    return AuditReportPublished(
        audit_id=audit_id, factory_id="f-1", audit_type=audit_type, compliance_percentage=80, letter="B",
        rule_set_version="2026.1", published_at=datetime(2026, 3, 1, tzinfo=UTC), findings=findings,
        follows_audit_id=follows,
    )


async def deliver(caps: CapHandlers, published: AuditReportPublished) -> None:
    await caps.open_cap(published, wrap(published, producer="audit-service"))


async def test_a_follow_up_closes_the_question_rated_yes_and_reopens_the_one_rated_no_again(caps) -> None:
    # Two "no" answers in S9 (one written up, one not) and a finding of an older report, without a question.
    await deliver(caps, report("a-1", "initial", [finding("n-1", "S9", "S9.03"), finding("n-2", "S9", "S9.04"),
                                                  finding("n-3", "S7", None)]))
    cap = await caps.caps.get(Cap.id_for_audit("a-1"))
    extinguishers, drills, overtime = cap.items
    assert (extinguishers.question_id, drills.question_id, overtime.question_id) == ("S9.03", "S9.04", None)
    await caps.record_evidence(EvidenceStored(
        evidence_id="e-1", factory_id="f-1", cap_id=cap.id, item_id=drills.item_id, filename="drill.pdf",
        content_type="application/pdf", size_bytes=10, sha256="0" * 64), None)
    await caps.decide(member("m-a"), cap.id, drills.item_id, "accept", None)

    # The follow-up rates S9.03 "yes" (no finding), S9.04 "no" again, and finds S7.02 and S1.02.
    follow_up = report("a-2", "follow_up", [finding("m-1", "S9", "S9.04"), finding("m-2", "S7", "S7.02"),
                                             finding("m-3", "S1", "S1.02")], follows="a-1")
    for _ in range(2):  # a redelivery changes nothing
        await deliver(caps, follow_up)

    after = await caps.caps.get(cap.id)
    # S9.03 closes though S9 has a finding again: the match is by question, not by chapter.
    assert [item.status for item in after.items] == ["closed", "open", "open"]
    assert [c.outcome for c in after.follow_ups_of(drills.item_id)] == ["reopened"]
    assert after.follow_ups_of(overtime.item_id) == []  # no question: re-found by its chapter, left as it is
    # Only the finding that re-found nothing opens a CAP of the follow-up.
    new = await caps.caps.get(Cap.id_for_audit("a-2"))
    assert [(item.finding_id, item.question_id) for item in new.items] == [("m-3", "S1.02")]
