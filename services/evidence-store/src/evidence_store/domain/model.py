"""Evidence: a file a factory uploaded for one CAP item, kept as a version, never overwritten."""

from __future__ import annotations

from datetime import datetime

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import EvidenceStored


class Evidence(Aggregate):
    factory_id: str
    cap_id: str
    item_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    object_key: str
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def store(
        cls,
        evidence_id: str,
        factory_id: str,
        cap_id: str,
        item_id: str,
        filename: str,
        content_type: str,
        size_bytes: int,
        sha256: str,
        object_key: str,
        uploaded_by: str,
        now: datetime,
    ) -> Evidence:
        evidence = cls(
            id=evidence_id,
            factory_id=factory_id,
            cap_id=cap_id,
            item_id=item_id,
            filename=filename,
            content_type=content_type,
            size_bytes=size_bytes,
            sha256=sha256,
            object_key=object_key,
            uploaded_by=uploaded_by,
            uploaded_at=now,
        )
        evidence.record(
            EvidenceStored(
                evidence_id=evidence_id,
                factory_id=factory_id,
                cap_id=cap_id,
                item_id=item_id,
                filename=filename,
                content_type=content_type,
                size_bytes=size_bytes,
                sha256=sha256,
            )
        )
        return evidence
