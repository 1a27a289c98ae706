"""The envelope every integration event travels in, and the payload base class."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shared_audits.contracts.topics import TopicSpec

# Validation context of a consumer reading an event: fields it does not know are ignored (tolerant reader).
READING = {"reading": True}


class _TolerantWhenReading(BaseModel):
    """Strict for the code that builds it; a reader ignores the fields a newer producer added.

    Within a version a payload may gain optional fields, so during a rolling deploy an older
    consumer meets fields it does not know: it drops them instead of dead-lettering the event.
    The context reaches nested values too (a finding inside a report).
    """

    @model_validator(mode="before")
    @classmethod
    def _ignore_unknown_fields_when_reading(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context is None or not info.context.get("reading") or not isinstance(data, dict):
            return data
        return {name: value for name, value in data.items() if name in cls.model_fields}


class ContractModel(_TolerantWhenReading):
    """A value carried inside an event: strict when built, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EventPayload(ContractModel):
    """Base of every versioned payload.

    Within a version a payload may only gain optional fields; anything else is a
    new version. Building one with an unknown field is refused, so that a typo never
    passes silently; reading one (``decode``) ignores the fields it does not know.
    """

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    TOPIC: ClassVar[TopicSpec]

    def partition_key(self) -> str:
        """Events about one factory share a key, so Kafka keeps their order."""
        return str(getattr(self, "factory_id"))


class EventEnvelope(_TolerantWhenReading):
    model_config = ConfigDict(extra="forbid")

    event_id: uuid.UUID
    type: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=1)
    occurred_at: datetime
    producer: str = Field(min_length=1, max_length=100)
    key: str = Field(min_length=1, max_length=200)
    correlation_id: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any]


def wrap(payload: EventPayload, *, producer: str, correlation_id: str | None = None) -> EventEnvelope:
    """Put a payload in a fresh envelope with a new id and the current time."""
    return EventEnvelope(
        event_id=uuid.uuid4(),
        type=payload.TYPE,
        version=payload.VERSION,
        occurred_at=datetime.now(UTC),
        producer=producer,
        key=payload.partition_key(),
        correlation_id=correlation_id,
        payload=payload.model_dump(mode="json"),
    )
