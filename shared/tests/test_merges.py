"""Events about a merged site land on the surviving site; link and registry events keep their id."""

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared_audits.auth import Principal
from shared_audits.consumer import DeliveredRecord, EventConsumer
from shared_audits.contracts import wrap
from shared_audits.contracts.events import (
    EvidenceStored,
    FactoriesMerged,
    FactoryProfileSubmitted,
    FactoryUnlinked,
)
from shared_audits.http import CurrentPrincipal
from shared_audits.merges import current_site, translating_merged_ids
from shared_audits.testing import InMemoryAggregateStore, InMemoryMergedFactories, factory_account
from shared_audits.aggregate import Aggregate

from .test_consumer import FakeDeadLetters, FakeProcessed

RECORD = DeliveredRecord(topic="ics.evidence.v1", partition=0, offset=1, key="f-old")


def evidence_stored(factory_id: str) -> EvidenceStored:
    return EvidenceStored(
        evidence_id="e-1", factory_id=factory_id, cap_id="c-1", item_id="i-1",
        filename="e.pdf", content_type="application/pdf", size_bytes=10, sha256="0" * 64,
    )


def consumer_seeing(merged: InMemoryMergedFactories, payload_type) -> tuple[EventConsumer, list]:
    handled: list = []
    consumer = EventConsumer(FakeProcessed(), FakeDeadLetters())
    consumer.on(FactoriesMerged, merged.apply_merged)
    consumer.translate_with(translating_merged_ids(merged))

    async def handler(event, envelope) -> None:
        handled.append(event)

    consumer.on(payload_type, handler)
    return consumer, handled


def raw(payload) -> bytes:
    return wrap(payload, producer="test").model_dump_json().encode()


async def test_a_late_evidence_event_for_the_merged_id_lands_on_the_surviving_site() -> None:
    merged = InMemoryMergedFactories()
    consumer, handled = consumer_seeing(merged, EvidenceStored)
    await consumer.handle(raw(FactoriesMerged(factory_id="f-new", merged_factory_id="f-old")), RECORD)

    await consumer.handle(raw(evidence_stored("f-old")), RECORD)
    await consumer.handle(raw(evidence_stored("f-other")), RECORD)

    assert [event.factory_id for event in handled] == ["f-new", "f-other"]


async def test_link_and_registry_events_of_the_merged_id_keep_their_id() -> None:
    merged = InMemoryMergedFactories({"f-old": "f-new"})
    unlinked = FactoryUnlinked(member_id="m-1", factory_id="f-old", unlinked_at=datetime(2026, 1, 1, tzinfo=UTC))
    profile = FactoryProfileSubmitted(factory_id="f-old", profile_version=2, workforce_total=80)
    translate = translating_merged_ids(merged)

    assert (await translate(unlinked)).factory_id == "f-old"
    assert (await translate(profile)).factory_id == "f-old"


async def test_a_chain_of_merges_ends_at_the_last_survivor() -> None:
    merged = InMemoryMergedFactories({"f-a": "f-b", "f-b": "f-c"})
    assert await current_site(merged, "f-a") == "f-c"
    assert await current_site(merged, "f-c") == "f-c"


class Site(Aggregate):
    factory_id: str


async def test_reassigning_a_field_moves_every_holder_once_and_raises_its_version() -> None:
    store = InMemoryAggregateStore()
    for aggregate_id, factory_id in (("a", "f-old"), ("b", "f-new"), ("c", "f-old")):
        await store.add(Site(id=aggregate_id, factory_id=factory_id))

    assert await store.reassign("factory_id", "f-old", "f-new") == 2
    assert await store.reassign("factory_id", "f-old", "f-new") == 0
    assert [(site.id, site.factory_id, site.version) for site in await store.find()] == [
        ("a", "f-new", 2), ("b", "f-new", 1), ("c", "f-new", 2)
    ]


async def test_a_merge_into_a_site_merged_meanwhile_goes_to_the_end_of_the_chain() -> None:
    merged = InMemoryMergedFactories()
    consumer, handled = consumer_seeing(merged, FactoriesMerged)
    # B into C is handled before A into B (other survivors' keys: other partitions).
    await consumer.handle(raw(FactoriesMerged(factory_id="f-c", merged_factory_id="f-b")), RECORD)
    await consumer.handle(raw(FactoriesMerged(factory_id="f-b", merged_factory_id="f-a")), RECORD)

    assert [(e.merged_factory_id, e.factory_id) for e in handled] == [("f-b", "f-c"), ("f-a", "f-c")]
    assert await current_site(merged, "f-a") == "f-c"


def test_a_factory_token_from_before_the_merge_acts_for_the_surviving_site() -> None:
    app = FastAPI()
    app.state.token_verifier = FakeVerifier()
    app.state.merged_factories = InMemoryMergedFactories({"f-old": "f-new"})

    @app.get("/me")
    async def me(caller: CurrentPrincipal) -> dict:
        return {"factory_id": caller.factory_id}

    with TestClient(app) as client:
        for token, expected in (("f-old", "f-new"), ("f-other", "f-other")):
            answer = client.get("/me", headers={"Authorization": f"Bearer {token}"})
            assert answer.json() == {"factory_id": expected}


class FakeVerifier:
    async def verify(self, token: str) -> Principal:
        return factory_account(token)
