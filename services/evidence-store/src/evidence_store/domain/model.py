"""Evidence: a file a factory uploaded for one CAP item, kept as a version, never overwritten."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import EvidenceStored


class ReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


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
    # 1, 2, ... per CAP item: a resubmission is a new version, the rejected one stays.
    version_number: int = 1
    review_status: ReviewStatus = ReviewStatus.SUBMITTED
    review_comment: str | None = None

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
        version_number: int = 1,
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
            version_number=version_number,
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
                version_number=version_number,
            )
        )
        return evidence

    def reviewed(self, status: ReviewStatus, comment: str | None) -> bool:
        """Note a member's decision on this version (from cap-service); False if already noted."""
        if self.review_status == status and self.review_comment == comment:
            return False
        self.review_status = status
        self.review_comment = comment
        return True
