"""A consumer ignores the fields it does not know: a newer producer's event is read, not dead-lettered.

Within a version a payload may gain optional fields. During a rolling deploy an older
consumer meets them: every service reads through the one ``EventConsumer``, so each event
type is sent to it here, with an unknown field in the envelope, in the payload and in each
nested value, and must reach its handler as this code knows it.
"""

import json
from typing import Any

import pytest
from polyfactory.factories.pydantic_factory import ModelFactory
from pydantic import BaseModel, ValidationError

from shared_audits.consumer import DeliveredRecord, EventConsumer
from shared_audits.contracts import EVENT_TYPES, decode, read_envelope, wrap
from shared_audits.contracts.events import AuditReportPublished, PublishedFinding
from .test_consumer import FakeDeadLetters, FakeProcessed

RECORD = DeliveredRecord(topic="ics.any.v1", partition=0, offset=1, key="k")
NEWER = {"added_in_a_later_release": {"any": ["shape"]}}


def _as_a_newer_producer_sends(value: Any, sent: Any) -> Any:
    """``sent`` (the JSON of ``value``) as a newer producer would send it: every contract value gains a field.

    Free-form data inside a payload (a rule set's ``content``) is left as it is: it is data, not shape.
    """
    if isinstance(value, BaseModel):
        fields = {name: _as_a_newer_producer_sends(getattr(value, name), inner) for name, inner in sent.items()}
        return {**fields, **NEWER}
    if isinstance(value, list | tuple):
        return [_as_a_newer_producer_sends(inner, inner_sent) for inner, inner_sent in zip(value, sent, strict=True)]
    return sent


@pytest.mark.parametrize("payload_type", list(EVENT_TYPES.values()), ids=lambda cls: cls.TYPE)
async def test_every_event_type_with_fields_from_a_newer_producer_reaches_its_handler(payload_type) -> None:
    event = ModelFactory.create_factory(payload_type).build()
    document = json.loads(wrap(event, producer="a-newer-release").model_dump_json())
    document = {**document, "payload": _as_a_newer_producer_sends(event, document["payload"]), **NEWER}
    handled, dead_letters = [], FakeDeadLetters()
    consumer = EventConsumer(FakeProcessed(), dead_letters)

    async def handler(payload, envelope) -> None:
        handled.append((payload, envelope))

    consumer.on(payload_type, handler)
    await consumer.handle(json.dumps(document).encode(), RECORD)

    assert dead_letters.parked == []
    [(payload, envelope)] = handled
    assert payload == event
    # What a handler passes on (feeds, webhooks) holds only the known fields too.
    assert envelope.payload == event.model_dump(mode="json", exclude_unset=True)


def test_building_an_event_with_an_unknown_field_is_still_refused() -> None:
    with pytest.raises(ValidationError):
        PublishedFinding(finding_id="f", chapter="Health", severity="major", description="d",
                         recommended_action="a", surprise=True)


def test_reading_drops_unknown_fields_of_nested_values_and_keeps_known_ones() -> None:
    finding = PublishedFinding(finding_id="f", chapter="Health", severity="major", description="d",
                               recommended_action="a", question_id="Q1")
    report = AuditReportPublished(audit_id="a", factory_id="s", audit_type="initial", compliance_percentage=80,
                                  letter="B", rule_set_version="2026.1", findings=[finding],
                                  published_at="2026-11-30T00:00:00Z")
    raw = wrap(report, producer="audit-service").model_dump(mode="json")
    raw["payload"]["findings"][0]["root_cause_category"] = "training"
    raw["schema_hint"] = "v1.1"
    read = decode(read_envelope(json.dumps(raw)))
    assert read == report and read.findings[0].question_id == "Q1"


def test_a_payload_that_misses_a_required_field_is_still_invalid() -> None:
    raw = {"event_id": "0b7f0f3e-6c1f-4b3e-9f51-3a0d1b7b8a11", "type": "AuditReportOverdue", "version": 1,
           "occurred_at": "2026-11-30T00:00:00Z", "producer": "p", "key": "s", "payload": {"factory_id": "s"}}
    with pytest.raises(ValidationError):
        decode(read_envelope(json.dumps(raw)))
