"""Tools the fault tests share: drive the stack, load it through the public API, read what landed.

Everything here talks to the running stack through the same doors a user or an
operator has (the gateway, Kafka, the databases read-only, ``stack.py``), so a
test can break one part and check the others from the outside.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import MongoClient

from shared_audits.contracts.envelope import EventPayload, wrap
from shared_audits_client.api import ApiError, PlatformClient, eventually
from shared_audits_client.story import Cast, link_with_consent, publish_report_with_findings
from tests.integration.stack import Stack
from tests.integration.stack import stack_command as run_stack_command

SEVERITIES = ("minor", "major")


def stack_command(*args: str, timeout: float = 120) -> None:
    """Run ``stack.py <args>`` (stop, start, kill, restart a part), quietly, and fail loudly if it fails."""
    run_stack_command(*args, env=dict(os.environ), timeout=timeout, quiet=True)


def database(stack: Stack, service: str) -> MongoClient:
    """A read-only look into one service's database (the test checks effects, it never writes)."""
    return MongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000, tz_aware=True)[service.replace("-", "_")]


@dataclass
class CapLoad:
    """CAPs opened through the public API for one factory: the ids a run decides on."""

    factory_id: str
    caps: dict[str, list[str]] = field(default_factory=dict)  # cap_id -> item ids

    @property
    def item_count(self) -> int:
        return sum(len(items) for items in self.caps.values())

    def items(self) -> Iterable[tuple[str, str]]:
        for cap_id, item_ids in self.caps.items():
            for item_id in item_ids:
                yield cap_id, item_id


def report_findings(count: int) -> list[dict]:
    """``count`` findings of a report, each of which opens a CAP item."""
    return [
        {
            "chapter": "9 Health and safety",
            "severity": SEVERITIES[index % 2],
            "description": f"Finding {index}: extinguisher tags out of date.",
            "recommended_action": "Inspect, tag and log every extinguisher.",
        }
        for index in range(count)
    ]


def open_caps(stack: Stack, cast: Cast, audits: int, findings_per_report: int, timeout: float = 180,
              via_events: bool = False) -> CapLoad:
    """Open ``audits`` CAPs of ``findings_per_report`` items each for the cast's factory.

    Through the public API (mandate, then the audit company's report) by default.
    With ``via_events``, the reports are published as ``AuditReportPublished`` events,
    exactly as audit-service's outbox relay does: thousands of findings load
    cap-service in seconds instead of minutes (the HTTP path is the walking skeleton's).
    """
    factory_id = cast.factory_id
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, factory_id)
    findings = report_findings(findings_per_report)
    caps = database(stack, "cap-service").caps
    if via_events:
        reports = [published_report(factory_id, findings) for _ in range(audits)]
        publish(stack.kafka_bootstrap, reports, "audit-service")
        # Every report is in the topic: cap-service has opened their CAPs once it committed past them.
        wait_until(caught_up(stack, "cap-service", "ics.audit.v1"), timeout, what=f"cap-service to open {audits} CAPs")
    else:
        for _ in range(audits):
            publish_report_with_findings(cast, [{**finding, "chapter": "S9"} for finding in findings])
        wait_until(lambda: caps.count_documents({"factory_id": factory_id}) == audits, timeout,
                   interval=2, what=f"{audits} CAPs")
    # One read of cap-service's database for the ids (polling it would scan the collection each time).
    documents = caps.find({"factory_id": factory_id}, {"items.item_id": 1})
    load = CapLoad(factory_id, {doc["_id"]: [item["item_id"] for item in doc["items"]] for doc in documents})
    assert len(load.caps) == audits, f"{len(load.caps)} CAPs opened of {audits}"
    return load


def cap_load_through_api(member: PlatformClient, factory_id: str, caps: int, timeout: float = 60) -> CapLoad:
    """The factory's CAPs and their item ids as cap-service's API lists them to a linked ``member``
    (pages of 100, following the cursor); waits until ``caps`` are listed (the member's link may
    still be on its way to cap-service)."""

    def listed() -> CapLoad:
        load = CapLoad(factory_id, {cap["cap_id"]: [item["item_id"] for item in cap["items"]]
                                    for cap in member.caps_of_factory(factory_id, page_size=100)})
        assert len(load.caps) >= caps, f"{len(load.caps)} CAPs listed of {caps}"
        return load

    return eventually(listed, timeout=timeout, interval=0.5)


def published_report(factory_id: str, findings: list[dict]) -> EventPayload:
    from shared_audits.contracts.events import AuditReportPublished, PublishedFinding

    return AuditReportPublished(
        audit_id=str(uuid.uuid4()), factory_id=factory_id, audit_type="initial", compliance_percentage=78.5,
        letter="B", rule_set_version="fault-test", published_at=datetime.now(UTC),
        findings=[PublishedFinding(finding_id=str(uuid.uuid4()), **finding) for finding in findings],
    )


def evidence_stored_events(load: CapLoad) -> list[EventPayload]:
    """One ``EvidenceStored`` per item, as evidence-store publishes after a checked upload.

    The S3 upload path itself is proven by the integration and security tests; here
    thousands of events are needed quickly to load cap-service's consumer.
    """
    from shared_audits.contracts.events import EvidenceStored

    return [
        EvidenceStored(
            evidence_id=str(uuid.uuid4()), factory_id=load.factory_id, cap_id=cap_id, item_id=item_id,
            filename="permit.pdf", content_type="application/pdf", size_bytes=1024, sha256="0" * 64,
        )
        for cap_id, item_id in load.items()
    ]


async def _publish(bootstrap: str, payloads: list[EventPayload], producer_name: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        pending = []
        for payload in payloads:
            envelope = wrap(payload, producer=producer_name)
            value = envelope.model_dump_json().encode()
            pending.append(await producer.send(payload.TOPIC.name, value, key=envelope.key.encode()))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def publish(bootstrap: str, payloads: list[EventPayload], producer_name: str = "fault-test") -> None:
    asyncio.run(_publish(bootstrap, payloads, producer_name))


def read_topic(bootstrap: str, topic: str, matches: Callable[[dict], bool], idle_seconds: float = 3.0,
               timeout: float = 120) -> list[dict]:
    """Every envelope on ``topic`` that ``matches``, read from the start until the topic stays idle."""

    async def read() -> list[dict]:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, group_id=None, max_partition_fetch_bytes=4 << 20)
        await consumer.start()
        found: list[dict] = []
        try:
            async with asyncio.timeout(timeout):
                while batches := await consumer.getmany(timeout_ms=int(idle_seconds * 1000), max_records=5000):
                    for records in batches.values():
                        for record in records:
                            envelope = json.loads(record.value)
                            if matches(envelope):
                                found.append(envelope)
        finally:
            await consumer.stop()
        return found

    return asyncio.run(read())


@dataclass
class DecisionRun:
    """What a run of decisions saw: how many were taken, and every HTTP status (0: no connection)."""

    accepted: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw(self, status: int, accepted: bool = False) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.accepted += accepted


TRANSIENT = (0, 502, 503)


def decide_all(client: PlatformClient, load: CapLoad, workers: int = 8, retry_for: float = 60,
               run: DecisionRun | None = None) -> DecisionRun:
    """Accept every item, one worker per CAP at a time (decisions on one CAP are sequential).

    A 503 or a refused connection is retried, as a well-behaved client does. A 409
    after such a failure means the first attempt was applied before its answer was
    lost: the item counts as accepted (the final state is checked separately).
    """
    run = run or DecisionRun()
    started = time.monotonic()
    token = client._http.headers["Authorization"]

    def decide_cap(cap_id: str, item_ids: list[str]) -> None:
        with httpx.Client(base_url=client.gateway_url, headers={"Authorization": token}, timeout=30) as http:
            for item_id in item_ids:
                deadline, retried = time.monotonic() + retry_for, False
                while True:
                    try:
                        response = http.post(f"/caps/caps/{cap_id}/items/{item_id}/decisions",
                                             json={"decision": "accept", "comment": "verified"})
                        status = response.status_code
                    except httpx.TransportError:
                        status = 0
                    done = status == 200 or (status == 409 and retried)
                    run.saw(status, accepted=done)
                    if status in TRANSIENT and time.monotonic() < deadline:
                        retried = True
                        time.sleep(0.2)
                        continue
                    break

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(decide_cap, cap_id, items) for cap_id, items in load.caps.items()]:
            future.result()
    run.seconds = time.monotonic() - started
    return run


async def _committed_and_end(bootstrap: str, group: str, topic: str) -> tuple[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
        done = sum(committed[tp].offset for tp in partitions if tp in committed and committed[tp].offset >= 0)
        return done, sum(ends.values())
    finally:
        await consumer.stop()
        await admin.close()


def consumed(bootstrap: str, group: str, topic: str) -> tuple[int, int]:
    """(records the consumer group has committed, records in the topic): progress from Kafka alone,
    without reading the service's database."""
    return asyncio.run(_committed_and_end(bootstrap, group, topic))


def caught_up(stack: Stack, group: str, topic: str) -> Callable[[], bool]:
    """A condition: ``group`` has committed every record now in ``topic`` (it handled them all)."""

    def check() -> bool:
        done, end = consumed(stack.kafka_bootstrap, group, topic)
        return done >= end

    return check


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.5, what: str = "") -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


__all__ = ["ApiError", "CapLoad", "DecisionRun", "cap_load_through_api", "caught_up", "consumed", "decide_all",
           "open_caps", "publish", "read_topic", "stack_command", "wait_until"]
