"""Every rated "no" is a published finding, and a follow-up names the audit whose findings it re-checks."""

from datetime import UTC, datetime

import pytest

from audit_service.domain.model import NewFinding
from audit_service.domain.report import rate_report
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.contracts.events import AuditReportPublished, CriticalFindingRaised
from shared_audits.errors import ConflictError, InvalidRequestError
from shared_audits.testing import audit_company, member

WINDOW = (datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
EXTINGUISHERS = NewFinding(chapter="S9", severity="minor", question_id="S9.03", description="Extinguishers overdue",
                           recommended_action="Inspect and tag them")


async def mandate(audits, audit_type=AuditType.INITIAL, factory_id="f-1", follows=None, who="m-a"):
    return await audits.mandate_audit(member(who), factory_id, "ac-1", audit_type, AuditScope.SOCIAL,
                                      Announcement.SEMI_ANNOUNCED, WINDOW, follows_audit_id=follows)


async def reported(audits, submission, audit_type=AuditType.INITIAL, follows=None, noes=(), findings=()):
    audit = await mandate(audits, audit_type, follows=follows)
    await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=True, reason=None)
    return await audits.submit_report(audit_company("ac-1"), audit.id, submission(noes, list(findings)))


def published_report(audits) -> AuditReportPublished:
    return [e for e in audits.audits.published if isinstance(e, AuditReportPublished)][-1]


async def test_a_no_without_a_written_finding_is_published_as_a_finding_of_its_question(
    audits, make_ready, submission, rules,
) -> None:
    await make_ready()
    audit = await reported(audits, submission, noes=("S7.02", "S9.03"), findings=[EXTINGUISHERS])

    written, unwritten = published_report(audits).findings
    assert (written.question_id, written.description, written.severity) == ("S9.03", "Extinguishers overdue", "minor")
    assert (unwritten.question_id, unwritten.chapter, unwritten.severity) == ("S7.02", "S7", "major")
    assert "never 48 hours a week" in unwritten.description and unwritten.recommended_action
    # The rating is what it was: the unwritten "no" already counted as a non-conformity of S7, and it is no alert.
    by_chapter = {c.chapter: c for c in audit.report.chapter_scores}
    assert by_chapter["S7"].nonconformities == 1 and by_chapter["S9"].nonconformities == 1
    assert audit.report.compliance_percentage == round(100 * (85 - 5) / 85, 1) and audit.report.letter == "A"
    assert not [e for e in audits.audits.published if isinstance(e, CriticalFindingRaised)]

    # The same report of the same audit has the same finding ids (a redelivery changes nothing downstream).
    again = rate_report(submission(("S7.02", "S9.03"), [EXTINGUISHERS]), AuditScope.SOCIAL, None, rules,
                        audit.report.required_sample, datetime.now(UTC), audit_id=audit.id)
    assert [f.finding_id for f in again.findings] == [f.finding_id for f in audit.report.findings]


async def test_a_follow_up_names_the_published_audit_of_its_site_it_re_checks(audits, make_ready, submission) -> None:
    await make_ready()
    initial = await reported(audits, submission, noes=("S7.02",))
    follow_up = await reported(audits, submission, AuditType.FOLLOW_UP, follows=initial.id)
    assert follow_up.follows_audit_id == initial.id
    assert published_report(audits).follows_audit_id == initial.id


async def test_a_follow_up_naming_what_it_may_not_re_check_is_refused_saying_why(audits, make_ready,
                                                                                 submission) -> None:
    await make_ready()
    audits.links.links |= {("m-a", "f-2"), ("m-c", "f-2")}
    initial = await reported(audits, submission, noes=("S7.02",))
    with pytest.raises(InvalidRequestError, match="only a follow-up"):
        await mandate(audits, AuditType.RE_AUDIT, follows=initial.id)
    with pytest.raises(InvalidRequestError, match="another site"):
        await mandate(audits, AuditType.FOLLOW_UP, factory_id="f-2", follows=initial.id)
    # An audit the caller may not see reads as one that does not exist.
    for unseen in (initial.id, "no-such-audit"):
        with pytest.raises(InvalidRequestError, match="no audit .* that you may see"):
            await mandate(audits, AuditType.FOLLOW_UP, factory_id="f-2", follows=unseen, who="m-c")
    unreported = await mandate(audits)
    with pytest.raises(ConflictError, match="no published report"):
        await mandate(audits, AuditType.FOLLOW_UP, follows=unreported.id)
