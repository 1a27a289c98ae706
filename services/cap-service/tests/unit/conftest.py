"""The unit tests' world: cap-service's handlers over in-memory fakes, one report and its CAP.

Members m-a and m-b are linked to factory f-1 (m-z to none); the report has a critical item
(deadline 2026-03-31) and a minor one (2026-05-30). ``app`` is the whole service in process:
build_app over these fakes, its broker in FastStream's TestKafkaBroker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from cap_service.adapters.record_keys import verify_signature
from cap_service.adapters.rules import load_deadline_rules
from cap_service.bootstrap import Adapters, build_app
from cap_service.config import Settings
from cap_service.domain.model import Cap
from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.record import CapRecords
from shared_audits.contracts import wrap
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored
from shared_audits.testing import (
    InMemoryAggregateStore,
    InMemoryLinkProjection,
    InMemorySharedAdapters,
    RunningApp,
    running,
)

from .fakes import InMemoryChainHeads, InMemoryCheckpointStore, InMemoryRecordKeys

LINKED_MEMBERS = ("m-a", "m-b")
OTHER_MEMBER = "m-z"
REPORT = AuditReportPublished(
    audit_id="a-1",
    factory_id="f-1",
    audit_type="initial",
    compliance_percentage=60,
    letter="C",
    rule_set_version="2026.1",
    published_at=datetime(2026, 3, 1, tzinfo=UTC),
    findings=[
        {"finding_id": "n-1", "chapter": "9", "severity": "critical", "description": "Exit locked", "recommended_action": "Unlock"},
        {"finding_id": "n-2", "chapter": "7", "severity": "minor", "description": "Overtime log", "recommended_action": "Keep log"},
    ],
)
RECORD_NOW = datetime(2026, 4, 2, 9, tzinfo=UTC)  # the record's clock: after the report, before the deadlines move


def stored(cap: Cap, item_index: int, evidence_id: str) -> EvidenceStored:
    return EvidenceStored(
        evidence_id=evidence_id, factory_id="f-1", cap_id=cap.id, item_id=cap.items[item_index].item_id,
        filename="e.pdf", content_type="application/pdf", size_bytes=10, sha256="0" * 64,
    )


def follow_up(findings: list[dict], follows: str | None = None) -> AuditReportPublished:
    return AuditReportPublished(
        audit_id="a-2", factory_id="f-1", audit_type="follow_up", compliance_percentage=80, letter="B",
        rule_set_version="2026.1", published_at=datetime(2026, 9, 1, tzinfo=UTC), findings=findings,
        follows_audit_id=follows,
    )


async def open_cap(caps: CapHandlers) -> Cap:
    await caps.open_cap(REPORT, wrap(REPORT, producer="audit-service"))
    return await caps.caps.get(Cap.id_for_audit("a-1"))


async def open_caps(caps: CapHandlers, audit_ids: list[str]) -> None:
    """One CAP per audit id, each from the same findings as REPORT."""
    for audit_id in audit_ids:
        report = REPORT.model_copy(update={"audit_id": audit_id})
        await caps.open_cap(report, wrap(report, producer="audit-service"))


@pytest.fixture
def caps() -> CapHandlers:
    return CapHandlers(
        caps=InMemoryAggregateStore(),
        links=InMemoryLinkProjection({(member_id, "f-1") for member_id in LINKED_MEMBERS}),
        deadline_rules=load_deadline_rules(),
    )


@pytest.fixture
async def records(caps: CapHandlers) -> CapRecords:
    keys = InMemoryRecordKeys()
    await keys.ensure_key(RECORD_NOW)
    return CapRecords(caps=caps.caps, heads=InMemoryChainHeads(caps.caps), checkpoints=InMemoryCheckpointStore(),
                      keys=keys, links=caps.links, verify_signature=verify_signature, clock=lambda: RECORD_NOW)


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    """The runtime's own adapters in memory, with the links of the world."""
    shared = InMemorySharedAdapters()
    shared.links.links |= {(member_id, "f-1") for member_id in LINKED_MEMBERS}
    return shared


@pytest.fixture
def adapters(shared: InMemorySharedAdapters) -> Adapters:
    caps = shared.store()
    return Adapters(caps=caps, rule_set_versions=shared.store(), chain_heads=InMemoryChainHeads(caps),
                    checkpoints=InMemoryCheckpointStore(), record_keys=InMemoryRecordKeys(), shared=shared)


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """cap-service in process: its routes, subscriptions and jobs over the fakes, on TestKafkaBroker."""
    async with running(build_app(Settings(), adapters=adapters)) as service:
        yield service
