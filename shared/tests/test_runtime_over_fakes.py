"""A service app built on the in-memory shared adapters runs in process: TestKafkaBroker, no MongoDB, no network."""

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import LinkRelationship
from shared_audits.contracts.events import EvidenceStored, FactoriesMerged, FactoryLinked
from shared_audits.contracts.topics import EVIDENCE
from shared_audits.http import CurrentPrincipal
from shared_audits.links import may_see_factory
from shared_audits.runtime import build_runtime, create_app
from shared_audits.settings import ServiceSettings
from shared_audits.testing import (
    InMemorySharedAdapters,
    assert_answered_as_unknown,
    factory_account,
    member,
    running,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


class Note(Aggregate):
    factory_id: str


def evidence_stored(factory_id: str) -> EvidenceStored:
    return EvidenceStored(
        evidence_id="e-1", factory_id=factory_id, cap_id="c-1", item_id="i-1",
        filename="e.pdf", content_type="application/pdf", size_bytes=10, sha256="0" * 64,
    )


def small_service(shared: InMemorySharedAdapters):
    runtime = build_runtime(ServiceSettings(service_name="small"), produced_topics=[EVIDENCE], shared=shared)
    runtime.follow_links_groups_and_merges()
    notes = shared.store()
    seen: list[EvidenceStored] = []

    async def note_evidence(event: EvidenceStored, envelope) -> None:
        seen.append(event)

    runtime.consumer.on(EvidenceStored, note_evidence)
    router = APIRouter()

    @router.get("/sites/{factory_id}")
    async def site(factory_id: str, caller: CurrentPrincipal) -> dict:
        if not await may_see_factory(caller, factory_id, runtime.links):
            return {"visible": False}
        return {"visible": True}

    @router.post("/notes/{factory_id}", status_code=201)
    async def add_note(factory_id: str, caller: CurrentPrincipal) -> dict:
        note = Note(id=f"n-{factory_id}", factory_id=factory_id)
        note.record(evidence_stored(factory_id))
        await notes.add(note)
        return {"id": note.id}

    app = create_app(runtime, title="small", prefix="/small", routers=[router])
    return app, notes, seen


async def test_the_subscriptions_take_events_published_through_the_test_broker() -> None:
    shared = InMemorySharedAdapters()
    app, _, _ = small_service(shared)
    async with running(app) as service:
        await service.publish(FactoryLinked(member_id="m-a", factory_id="f-1", relationship=LinkRelationship.SUPPLIER, linked_at=NOW))
        await service.publish(FactoriesMerged(factory_id="f-1", merged_factory_id="f-0"))
        headers = shared.token_verifier.headers(member("m-a"))
        linked = await service.client.get("/small/sites/f-1", headers=headers)
        other = await service.client.get("/small/sites/f-2", headers=headers)
        anonymous = await service.client.get("/small/sites/f-1")

    assert shared.links.links == {("m-a", "f-1")} and shared.merged_factories.merged == {"f-0": "f-1"}
    assert linked.json() == {"visible": True} and other.json() == {"visible": False}
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == "application/problem+json"


async def test_a_bad_payload_is_parked_and_the_next_event_is_handled() -> None:
    shared = InMemorySharedAdapters()
    app, _, seen = small_service(shared)
    async with running(app) as service:
        await service.publish_raw(EVIDENCE.name, b'{"not": "an envelope"}')
        await service.publish(evidence_stored("f-1"))

    assert [reason.split(":")[0] for reason in shared.dead_letters.reasons] == ["invalid envelope"]
    assert [event.factory_id for event in seen] == ["f-1"]


async def test_what_a_store_records_leaves_through_the_relay_to_the_subscribers() -> None:
    shared = InMemorySharedAdapters()
    app, notes, seen = small_service(shared)
    async with running(app) as service:
        answer = await service.client.post("/small/notes/f-3", headers=shared.token_verifier.headers(factory_account("f-3")))
        await shared.relay.flush()

    assert answer.status_code == 201
    assert [event.factory_id for event in notes.published] == ["f-3"]
    assert [envelope.type for envelope in shared.relay.sent] == [EvidenceStored.TYPE]
    assert [event.factory_id for event in seen] == ["f-3"]  # the app consumes its own topic here


def test_no_service_ships_the_test_support() -> None:
    """The fakes live in shared_audits.testing for the tests; a service's src never imports them."""
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for path in sorted(root.glob("services/*/src/**/*.py"))
        if re.search(r"^\s*(from|import) shared_audits\.testing\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


def test_a_hidden_resource_must_be_answered_exactly_as_an_unknown_id() -> None:
    def answer(path: str, status: int, **body: object) -> httpx.Response:
        return httpx.Response(status, json={"type": "urn:shared-audits:problem:not-found", "title": "Not found",
                                            "status": status, **body},
                              headers={"content-type": "application/problem+json"},
                              request=httpx.Request("GET", f"http://testserver{path}"))

    unknown = answer("/x/e-unknown", 404, detail="evidence e-unknown not found")
    assert_answered_as_unknown(answer("/x/e-1", 404, detail="evidence e-1 not found"), unknown, {"e-1": "e-unknown"})
    for told in (answer("/x/e-1", 403, detail="evidence e-1 not found"),
                 answer("/x/e-1", 404, detail="evidence e-1 of f-1 not found"),
                 answer("/x/e-1", 404, detail="evidence e-1 not found", factory_id="f-1")):
        with pytest.raises(AssertionError):
            assert_answered_as_unknown(told, unknown, {"e-1": "e-unknown"})
