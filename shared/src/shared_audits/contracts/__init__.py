"""Integration-event contracts: envelope, payloads, topics and enums."""

from shared_audits.contracts.envelope import READING, EventEnvelope, EventPayload, wrap
from shared_audits.contracts.events import EVENT_TYPES

__all__ = ["EVENT_TYPES", "READING", "EventEnvelope", "EventPayload", "wrap", "decode", "read_envelope"]


class UnknownEventError(ValueError):
    """The envelope names a type or version this code does not know."""


def decode(envelope: EventEnvelope) -> EventPayload:
    """Read an envelope's payload with its versioned model, ignoring fields this code does not know."""
    model = EVENT_TYPES.get((envelope.type, envelope.version))
    if model is None:
        raise UnknownEventError(f"unknown event {envelope.type} v{envelope.version}")
    return model.model_validate(envelope.payload, context=READING)


def read_envelope(raw: bytes | str) -> EventEnvelope:
    """Read a record's envelope as a consumer does: fields a newer producer added are ignored."""
    return EventEnvelope.model_validate_json(raw, context=READING)
