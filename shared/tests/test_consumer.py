"""The idempotent consumer: handled once, poison parked with a reason, passing failures retried."""

import json
import uuid

import pytest

from shared_audits.consumer import DeliveredRecord, EventConsumer
from shared_audits.contracts import wrap
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.contracts.topics import dead_letter_topic
from shared_audits.errors import InvalidEventError

RECORD = DeliveredRecord(topic="ics.registry.v1", partition=0, offset=7, key="f-1")


class FakeProcessed:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def seen_among(self, event_ids) -> set[str]:
        return self.ids & set(event_ids)

    async def record_all(self, envelopes: list[EventEnvelope]) -> None:
        self.ids.update(str(envelope.event_id) for envelope in envelopes)


class FakeDeadLetters:
    topic = dead_letter_topic("test")

    def __init__(self) -> None:
        self.parked: list[tuple[bytes, str]] = []

    async def park(self, raw: bytes, record: DeliveredRecord, reason: str) -> None:
        self.parked.append((raw, reason))


def registered_event() -> bytes:
    payload = FactoryRegistered(factory_id="f-1", name="Site", country="BD")
    return wrap(payload, producer="factory-registry").model_dump_json().encode()


@pytest.fixture
def consumer_parts():
    handled: list[FactoryRegistered] = []
    processed, dead_letters = FakeProcessed(), FakeDeadLetters()
    consumer = EventConsumer(processed, dead_letters)

    async def handler(event, envelope):
        handled.append(event)

    consumer.on(FactoryRegistered, handler)
    return consumer, handled, processed, dead_letters


async def test_an_event_delivered_twice_is_handled_once(consumer_parts) -> None:
    consumer, handled, _, dead_letters = consumer_parts
    raw = registered_event()
    await consumer.handle(raw, RECORD)
    await consumer.handle(raw, RECORD)
    assert len(handled) == 1
    assert dead_letters.parked == []


@pytest.mark.parametrize(
    ("raw", "reason_start"),
    [
        (b"not json at all", "invalid envelope"),
        (json.dumps({"event_id": str(uuid.uuid4())}).encode(), "invalid envelope"),
    ],
    ids=["not-json", "envelope-without-fields"],  # the same names in every pytest process (make test runs two)
)
async def test_garbage_goes_to_the_dead_letter_topic_with_the_reason(consumer_parts, raw, reason_start) -> None:
    consumer, handled, _, dead_letters = consumer_parts
    await consumer.handle(raw, RECORD)
    assert handled == []
    assert dead_letters.parked[0][0] == raw
    assert dead_letters.parked[0][1].startswith(reason_start)


async def test_an_unknown_version_and_a_bad_payload_are_parked(consumer_parts) -> None:
    consumer, handled, _, dead_letters = consumer_parts
    envelope = json.loads(registered_event())
    await consumer.handle(json.dumps({**envelope, "version": 99}).encode(), RECORD)
    envelope["payload"]["country"] = "Bangladesh"
    envelope["event_id"] = str(uuid.uuid4())
    await consumer.handle(json.dumps(envelope).encode(), RECORD)
    reasons = [reason for _, reason in dead_letters.parked]
    assert reasons[0] == "unknown event FactoryRegistered v99"
    assert reasons[1].startswith("invalid FactoryRegistered payload: country")
    assert handled == []


async def test_an_event_the_handler_refuses_is_parked_and_marked(consumer_parts) -> None:
    consumer, _, processed, dead_letters = consumer_parts

    async def refuse(event, envelope):
        raise InvalidEventError("site unknown here")

    consumer.on(FactoryRegistered, refuse)
    await consumer.handle(registered_event(), RECORD)
    assert dead_letters.parked[0][1] == "FactoryRegistered refused: site unknown here"
    assert processed.ids == set()


async def test_a_passing_failure_propagates_so_the_record_is_redelivered(consumer_parts, monkeypatch) -> None:
    consumer, _, processed, dead_letters = consumer_parts
    monkeypatch.setattr("shared_audits.consumer.RETRY_PAUSE_SECONDS", 0)

    async def database_away(event, envelope):
        raise ConnectionError("database away")

    consumer.on(FactoryRegistered, database_away)
    with pytest.raises(ConnectionError):
        await consumer.handle(registered_event(), RECORD)
    assert processed.ids == set() and dead_letters.parked == []


async def test_events_nobody_here_listens_to_are_acknowledged_silently(consumer_parts) -> None:
    consumer, handled, processed, dead_letters = consumer_parts
    from shared_audits.contracts.events import FactoryProfileSubmitted

    other = wrap(FactoryProfileSubmitted(factory_id="f-1", profile_version=1, workforce_total=3), producer="x")
    await consumer.handle(other.model_dump_json().encode(), RECORD)
    assert handled == [] and processed.ids == set() and dead_letters.parked == []


def registered(factory_id: str) -> bytes:
    payload = FactoryRegistered(factory_id=factory_id, name="Site", country="BD")
    return wrap(payload, producer="factory-registry").model_dump_json().encode()


def record_at(offset: int) -> DeliveredRecord:
    return DeliveredRecord(topic="ics.registry.v1", partition=0, offset=offset, key="f")


async def test_a_batch_is_checked_and_recorded_once_and_a_repeated_event_in_it_is_handled_once() -> None:
    processed, dead_letters = FakeProcessed(), FakeDeadLetters()
    consumer = EventConsumer(processed, dead_letters)
    runs: list[list[str]] = []

    async def project(events):
        runs.append([event.factory_id for event, _ in events])

    consumer.on_batch([FactoryRegistered], project)
    first, again = registered("f-1"), registered("f-2")
    await consumer.handle(first, record_at(0))
    # Given f-1 already handled, when a batch brings it again with f-2 twice and f-3
    await consumer.handle_batch([(first, record_at(0)), (again, record_at(1)), (again, record_at(2)),
                                 (registered("f-3"), record_at(3))])
    # Then the batch handler took the new ones as one run, each once
    assert runs == [["f-1"], ["f-2", "f-3"]]
    assert len(processed.ids) == 3 and dead_letters.parked == []


async def test_a_refused_event_in_a_run_is_parked_and_the_others_are_handled() -> None:
    processed, dead_letters = FakeProcessed(), FakeDeadLetters()
    consumer = EventConsumer(processed, dead_letters)
    kept: list[str] = []

    async def project(events):
        if any(event.factory_id == "f-bad" for event, _ in events):
            raise InvalidEventError("no such site")
        kept.extend(event.factory_id for event, _ in events)

    consumer.on_batch([FactoryRegistered], project)
    await consumer.handle_batch([(registered("f-1"), record_at(0)), (registered("f-bad"), record_at(1)),
                                 (registered("f-2"), record_at(2))])
    assert kept == ["f-1", "f-2"]
    assert [reason for _, reason in dead_letters.parked] == ["FactoryRegistered refused: no such site"]
    assert len(processed.ids) == 2


async def test_an_event_with_a_one_at_a_time_handler_splits_the_runs_around_it(monkeypatch) -> None:
    from shared_audits.contracts.events import FactoryProfileSubmitted

    monkeypatch.setattr("shared_audits.consumer.RETRY_PAUSE_SECONDS", 0)
    processed, dead_letters = FakeProcessed(), FakeDeadLetters()
    consumer = EventConsumer(processed, dead_letters)
    seen: list[str] = []

    async def project(events):
        seen.append("run:" + ",".join(event.factory_id for event, _ in events))

    async def one(event, envelope):
        seen.append(f"one:{event.factory_id}")
        raise ConnectionError("database away")

    consumer.on_batch([FactoryRegistered], project)
    consumer.on(FactoryProfileSubmitted, one)
    profile = wrap(FactoryProfileSubmitted(factory_id="f-p", profile_version=1, workforce_total=3), producer="x")
    with pytest.raises(ConnectionError):
        await consumer.handle_batch([(registered("f-1"), record_at(0)), (registered("f-2"), record_at(1)),
                                     (profile.model_dump_json().encode(), record_at(2)),
                                     (registered("f-3"), record_at(3))])
    # The run before the failure is recorded, so the redelivered batch does not handle it again.
    assert seen == ["run:f-1,f-2", "one:f-p"]
    assert len(processed.ids) == 2
