"""One trace follows a CAP decision: caller, cap-service, its outbox relay, Kafka, and every consumer.

cap-service and the consumers of its topic (evidence-store, notifier) run in
this process, built by their own ``build_app`` with an in-memory span exporter,
against the running Kafka, MongoDB-protocol server and S3 server, on consumer groups and
databases of their own. The rest of the story (identities, links, the audit
report, the evidence upload) is played by the running stack through the gateway;
the in-process cap-service learns of it from Kafka like the real one.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from cap_service.bootstrap import build_app as build_cap_service
from cap_service.config import Settings as CapSettings
from evidence_store.bootstrap import build_app as build_evidence_store
from evidence_store.config import Settings as EvidenceSettings
from notifier.bootstrap import build_app as build_notifier
from notifier.config import Settings as NotifierSettings
from shared_audits.contracts.topics import ACCESS, AUDIT, CAP, EVIDENCE, REGISTRY
from shared_audits.lag import topic_partitions
from shared_audits_client import PlatformClient, eventually
from shared_audits_client.story import SAMPLE_PDF, Cast, link_with_consent, publish_report_with_findings
from tests.integration.stack import Stack

# serial: listens on the one SMTP port notifier sends to (runs after the parallel part of make test).
pytestmark = pytest.mark.serial

SUFFIX = "trace-test"
TIMEOUT = 60.0


def _settings(stack: Stack, kind: type, service: str, **extra: object):
    return kind(
        service_name=f"{service}-{SUFFIX}",
        kafka_bootstrap=stack.kafka_bootstrap,
        mongo_url=stack.mongo_url,
        # Tokens are verified against the running access-control's JWKS, through the gateway.
        jwks_url=f"{stack.gateway_url}/access/.well-known/jwks.json",
        outbox_sweep_seconds=0.5,
        **extra,
    )


async def _start_groups_at_the_end(bootstrap: str, groups: list[str], topics: list[str]) -> None:
    """The in-process consumers start from now: the topics' history is not theirs to replay."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = await topic_partitions(admin, topics)
    finally:
        await admin.close()
    for group in groups:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            await consumer.commit({tp: offset for tp, offset in ends.items()})
        finally:
            await consumer.stop()


async def test_a_cap_decision_is_one_trace_across_services_and_kafka(stack: Stack, cast: Cast) -> None:
    exporter = InMemorySpanExporter()
    processors = [SimpleSpanProcessor(exporter)]
    cap_app = build_cap_service(_settings(stack, CapSettings, "cap-service"), span_processors=processors)
    evidence_app = build_evidence_store(
        _settings(stack, EvidenceSettings, "evidence-store", s3_endpoint=stack.s3_endpoint,
                  s3_access_key=stack.s3_access_key, s3_secret_key=stack.s3_secret_key),
        span_processors=processors,
    )
    notifier_app = build_notifier(_settings(stack, NotifierSettings, "notifier"), span_processors=processors)
    await _start_groups_at_the_end(
        stack.kafka_bootstrap,
        [f"{name}-{SUFFIX}" for name in ("cap-service", "evidence-store", "notifier")],
        [t.name for t in (ACCESS, REGISTRY, AUDIT, CAP, EVIDENCE)],
    )

    async with AsyncExitStack() as running:
        for app in (cap_app, evidence_app, notifier_app):
            await running.enter_async_context(app.router.lifespan_context(app))
        cap_service = await running.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=cap_app), base_url="http://cap-service")
        )

        # Given a CAP with submitted evidence, played through the gateway by the running stack.
        real_cap = await asyncio.to_thread(_play_until_the_cap_is_open, cast)
        member_a = cast.organisations["member_a"]
        anonymous = PlatformClient(stack.gateway_url)
        token = f"Bearer {anonymous.token(member_a.client_id, member_a.client_secret)}"
        anonymous.close()
        # The in-process cap-service reads the audit topic on its own: the evidence is uploaded once
        # it has opened the CAP too (the stack's evidence-store only waits for the stack's cap-service).
        await _in_process(cap_service, token, cast.factory_id, lambda caps: bool(caps))
        await asyncio.to_thread(_upload_evidence, cast, real_cap)

        cap = (await _in_process(cap_service, token, cast.factory_id,
                                 lambda caps: caps and caps[0]["items"][0]["status"] == "evidence_submitted"))[0]
        item_id = cap["items"][0]["item_id"]

        # When member A accepts the evidence, as the gateway would pass the caller's trace on.
        trace_id = secrets.token_hex(16)
        response = await cap_service.post(
            f"/caps/caps/{cap['cap_id']}/items/{item_id}/decisions",
            json={"decision": "accept", "comment": "verified"},
            headers={"Authorization": token, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )
        assert response.status_code == 200, response.text

        # Then every hop records its span in that one trace.
        def services_in_trace() -> dict[str, set[SpanKind]]:
            seen: dict[str, set[SpanKind]] = {}
            for span in exporter.get_finished_spans():
                if format(span.context.trace_id, "032x") == trace_id:
                    seen.setdefault(span.resource.attributes["service.name"], set()).add(span.kind)
            return seen

        expected = {
            f"cap-service-{SUFFIX}": {SpanKind.SERVER, SpanKind.PRODUCER},  # the decision, the outbox relay
            f"evidence-store-{SUFFIX}": {SpanKind.CONSUMER},
            f"notifier-{SUFFIX}": {SpanKind.CONSUMER, SpanKind.PRODUCER},  # and the member feeds
        }
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while not all(kinds <= services_in_trace().get(name, set()) for name, kinds in expected.items()):
            assert asyncio.get_running_loop().time() < deadline, f"spans of the trace: {services_in_trace()}"
            await asyncio.sleep(0.2)
        names = {span.name for span in exporter.get_finished_spans()
                 if format(span.context.trace_id, "032x") == trace_id}
        assert any(CAP.name in name for name in names), names


async def _in_process(cap_service: httpx.AsyncClient, token: str, factory_id: str,
                      ready: Callable[[list[dict]], bool]) -> list[dict]:
    """The in-process cap-service's CAPs of the factory, once ``ready`` holds of them."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        response = await cap_service.get("/caps/caps", params={"factory_id": factory_id},
                                         headers={"Authorization": token})
        caps = response.json() if response.status_code == 200 else []
        if ready(caps):
            return caps
        assert asyncio.get_running_loop().time() < deadline, f"in-process CAP not ready: {caps}"
        await asyncio.sleep(0.2)


def _play_until_the_cap_is_open(cast: Cast) -> dict:
    factory_id = cast.factory_id
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, factory_id)
    publish_report_with_findings(cast, [{
        "chapter": "S9", "severity": "major",
        "description": "Emergency lighting fails on the cutting floor.",
        "recommended_action": "Repair and test the emergency lighting monthly.",
    }])

    def real_cap() -> dict:
        caps = cast.member_a.caps_of_factory(factory_id)
        assert caps, "no CAP yet"
        return caps[0]

    return eventually(real_cap)


def _upload_evidence(cast: Cast, cap: dict) -> None:
    # The upload goes to the running evidence-store; its EvidenceStored reaches both cap-services.
    eventually(lambda: cast.factory.upload_evidence(
        cap["cap_id"], cap["items"][0]["item_id"], "lighting-test.pdf", SAMPLE_PDF, "application/pdf"))
