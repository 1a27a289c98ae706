"""A report from a newer audit-service, with fields today's consumers lack, is read by each of them.

Within a version a payload may gain optional fields, so during a rolling deploy an older
consumer meets fields it does not know. cap-service opens the CAP, notifier tells the
linked members, and what reaches a member holds only the fields this release knows:
nothing is dead-lettered. (shared/tests/test_tolerant_reader.py sends every event type
through the consumer every service reads with.)
"""

import asyncio
import json
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from shared_audits.contracts import wrap
from shared_audits.contracts.events import AuditReportPublished, PublishedFinding
from shared_audits_client import eventually
from shared_audits_client.story import Cast
from tests.integration.cap_flows import cap_of_audit, link_both_members
from tests.integration.stack import Stack

NEWER = "added_in_a_later_release"


async def _publish(bootstrap: str, topic: str, key: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


def _report_from_a_newer_release(factory_id: str) -> tuple[AuditReportPublished, bytes]:
    finding = PublishedFinding(finding_id=str(uuid.uuid4()), chapter="S9", severity="major",
                               description="Fire exits blocked", recommended_action="Clear them and train the staff.")
    report = AuditReportPublished(
        audit_id=str(uuid.uuid4()), factory_id=factory_id, audit_type="initial", compliance_percentage=72.5,
        letter="C", rule_set_version="2026.1", findings=[finding], published_at=datetime.now(UTC),
    )
    document = json.loads(wrap(report, producer="audit-service").model_dump_json())
    document[NEWER] = "envelope"
    document["payload"][NEWER] = {"reviewer": "second auditor"}
    document["payload"]["findings"][0][NEWER] = "root cause category"
    return report, json.dumps(document).encode()


def test_consumers_read_a_newer_producers_event_and_pass_on_only_what_they_know(stack: Stack, cast: Cast) -> None:
    link_both_members(cast)
    report, raw = _report_from_a_newer_release(cast.factory_id)

    asyncio.run(_publish(stack.kafka_bootstrap, AuditReportPublished.TOPIC.name, cast.factory_id, raw))

    cap = cap_of_audit(cast, report.audit_id)  # cap-service opened it
    [item] = cap["items"]
    assert item["description"] == "Fire exits blocked" and item["severity"] == "major"

    def told(member) -> dict:
        entries = [entry for entry in member.inbox() if entry["event_type"] == "AuditReportPublished"
                   and entry["payload"]["audit_id"] == report.audit_id]
        assert entries, "not told yet"
        return entries[0]["payload"]

    for member in (cast.member_a, cast.member_b):
        payload = eventually(lambda member=member: told(member))
        assert NEWER not in payload and NEWER not in payload["findings"][0]
        assert payload["letter"] == "C" and payload["findings"][0]["description"] == "Fire exits blocked"
