"""Events published by evidence-store."""

from __future__ import annotations

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.envelope import EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


class EvidenceStored(EventPayload):
    TYPE = "EvidenceStored"
    VERSION = 1
    TOPIC = topics.EVIDENCE

    evidence_id: Id
    factory_id: Id
    cap_id: Id
    item_id: Id
    filename: str = Field(max_length=255)
    content_type: str
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    version_number: int | None = Field(default=None, ge=1)  # 1, 2, ... per CAP item


class EvidenceRejectedOnUpload(EventPayload):
    TYPE = "EvidenceRejectedOnUpload"
    VERSION = 1
    TOPIC = topics.EVIDENCE

    factory_id: Id
    cap_id: Id
    item_id: Id
    reason: str
    upload_id: Id | None = None
    filename: str | None = Field(default=None, max_length=255)
