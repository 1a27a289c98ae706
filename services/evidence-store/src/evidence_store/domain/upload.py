"""A presigned upload: the factory declares a file, PUTs it straight to the bucket, then asks for the check."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import EvidenceRejectedOnUpload
from shared_audits.errors import ConflictError


class UploadStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


class UploadSession(Aggregate):
    factory_id: str
    cap_id: str
    item_id: str
    filename: str
    declared_type: str  # short name: pdf, jpeg, ...
    declared_size: int
    declared_sha256: str
    object_key: str
    requested_by: str
    created_at: datetime
    expires_at: datetime
    status: UploadStatus = UploadStatus.PENDING
    evidence_id: str | None = None
    reason: str | None = None

    def ensure_pending(self) -> None:
        if self.status != UploadStatus.PENDING:
            raise ConflictError(f"this upload is already {self.status}")

    def complete(self, evidence_id: str) -> None:
        self.ensure_pending()
        self.status = UploadStatus.COMPLETED
        self.evidence_id = evidence_id

    def reject(self, reason: str) -> None:
        self.ensure_pending()
        self.status = UploadStatus.REJECTED
        self.reason = reason
        self.record(
            EvidenceRejectedOnUpload(
                factory_id=self.factory_id, cap_id=self.cap_id, item_id=self.item_id, reason=reason,
                upload_id=self.id, filename=self.filename,
            )
        )
