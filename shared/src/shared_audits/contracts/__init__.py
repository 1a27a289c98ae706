"""Integration-event contracts: envelope, payloads, topics and enums."""

from shared_audits.contracts.envelope import EventEnvelope, EventPayload, wrap
from shared_audits.contracts.events import EVENT_TYPES

__all__ = ["EVENT_TYPES", "EventEnvelope", "EventPayload", "wrap", "decode"]


class UnknownEventError(ValueError):
    """The envelope names a type or version this code does not know."""


def decode(envelope: EventEnvelope) -> EventPayload:
    """Validate an envelope's payload against its versioned model."""
    model = EVENT_TYPES.get((envelope.type, envelope.version))
    if model is None:
        raise UnknownEventError(f"unknown event {envelope.type} v{envelope.version}")
    return model.model_validate(envelope.payload)
