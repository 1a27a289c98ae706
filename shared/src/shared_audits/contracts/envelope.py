"""The envelope every integration event travels in, and the payload base class."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared_audits.contracts.topics import TopicSpec


class ContractModel(BaseModel):
    """A value carried inside an event: strict, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EventPayload(ContractModel):
    """Base of every versioned payload.

    Within a version a payload may only gain optional fields; anything else is a
    new version. Unknown fields are refused so that a typo never passes silently.
    """

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    TOPIC: ClassVar[TopicSpec]

    def partition_key(self) -> str:
        """Events about one factory share a key, so Kafka keeps their order."""
        return str(getattr(self, "factory_id"))


class EventEnvelope(BaseModel):
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
