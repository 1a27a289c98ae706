"""Errors of access-control's domain, each in one of the shared categories (its HTTP status follows)."""

from __future__ import annotations

from shared_audits.errors import ConflictError, DomainError, InvalidRequestError, NotFoundError, UnauthenticatedError


class AccreditationRefused(ConflictError):
    title = "Accreditation refused"


class InvitationInvalid(NotFoundError):
    """Unknown, used and expired invitations look the same."""

    title = "Invitation not found"


class MemberGroupRefused(InvalidRequestError):
    """A group that cannot be published as asked; ``errors`` names the field."""

    title = "Invalid member group"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.extensions = {"errors": [{"field": field, "message": detail, "type": "value_error"}]}


class ReasonRequiredError(InvalidRequestError):
    """The operator answers for a factory only with a reason, which is recorded and published."""

    title = "Reason required"
    status = 422

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.extensions = {"errors": [{"field": "body.reason", "message": detail, "type": "missing"}]}


class RefreshTokenReused(UnauthenticatedError):
    """An already-rotated token came back: the session is revoked."""


class TooManyLoginAttemptsError(DomainError):
    title = "Too many login attempts"
    status = 429

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins for this client; retry in {retry_after:.0f} s")
        self.retry_after = retry_after
