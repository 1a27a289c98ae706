"""evidence-store's own errors, each a category of ``shared_audits.errors`` with its HTTP status."""

from shared_audits.errors import DomainError


class FileTooLargeError(DomainError):
    title = "File too large"
    status = 413


class IntegrityError(DomainError):
    title = "Stored object does not match upload"
    status = 503


class UploadRefusedError(DomainError):
    """The uploaded object failed a check; it was deleted and EvidenceRejectedOnUpload emitted."""

    title = "Upload refused"
    status = 422
