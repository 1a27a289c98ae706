"""A poison event is parked with its reason; once its cause is fixed, the replay command re-drives it."""

import asyncio
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest

from shared_audits.contracts.events import AuditReportPublished, EvidenceStored, PublishedFinding
from shared_audits_client.api import eventually
from shared_audits_client.story import Cast, link_with_consent
from tests.faults.helpers import publish
from tests.faults.replay import dead_letters
from tests.integration.stack import REPO, Stack

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def _uuid5(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def test_evidence_for_a_cap_not_yet_opened_is_parked_then_replayed_after_the_report_arrives(
    stack: Stack, cast: Cast
) -> None:
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, cast.factory_id)
    audit_id, finding_id = str(uuid.uuid4()), str(uuid.uuid4())
    cap_id, item_id = _uuid5(f"cap-of-audit:{audit_id}"), _uuid5(f"cap-item:{finding_id}")  # cap-service's ids
    evidence_id = str(uuid.uuid4())

    # Given evidence that reaches cap-service before the report that opens its CAP
    publish(stack.kafka_bootstrap, [EvidenceStored(
        evidence_id=evidence_id, factory_id=cast.factory_id, cap_id=cap_id, item_id=item_id,
        filename="permit.pdf", content_type="application/pdf", size_bytes=10, sha256="a" * 64,
    )])

    # Then it is parked in cap-service's dead-letter topic with the reason
    def parked() -> dict:
        entries = asyncio.run(dead_letters(stack.kafka_bootstrap, "cap-service", evidence_id, idle_ms=500))
        assert entries, "not parked yet"
        return entries[0]

    entry = eventually(parked, timeout=30, interval=0.5)
    assert entry["reason"].startswith("EvidenceStored refused: evidence for unknown CAP")
    assert entry["source_topic"] == "ics.evidence.v1"

    # When the late report arrives and the CAP opens
    publish(stack.kafka_bootstrap, [AuditReportPublished(
        audit_id=audit_id, factory_id=cast.factory_id, audit_type="initial", compliance_percentage=80.0,
        letter="B", rule_set_version="test", published_at=datetime.now(UTC),
        findings=[PublishedFinding(finding_id=finding_id, chapter="9 Health and safety", severity="major",
                                   description="Blocked exit.", recommended_action="Clear the exit.")],
    )], producer_name="audit-service")
    eventually(lambda: cast.member_a.cap(cap_id), timeout=30)

    # And the operator replays the parked event
    replay = subprocess.run(
        [sys.executable, "-m", "tests.faults.replay", "cap-service", "--match", evidence_id,
         "--bootstrap", stack.kafka_bootstrap], cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    )
    assert "replayed 1 dead-lettered record(s)" in replay.stdout

    # Then the evidence is applied to its item
    def evidence_applied() -> None:
        item = cast.member_a.cap(cap_id)["items"][0]
        assert item["evidence_ids"] == [evidence_id] and item["status"] == "evidence_submitted", item

    eventually(evidence_applied, timeout=30)
