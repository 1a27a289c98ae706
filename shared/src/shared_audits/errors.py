"""Categories of errors a service's domain raises; the HTTP edge maps each to one status.

Domain errors subclass one of these, so the mapping to problem responses lives
in one place (``shared_audits.http``) and handlers never think about HTTP.
"""


class DomainError(Exception):
    """A request the domain refuses; ``title`` is a short, stable summary."""

    title = "Request refused"
    # A subclass may name its own HTTP status; otherwise its category decides.
    status: int | None = None
    # Extra members of the problem body (RFC 9457 extensions), e.g. field-level ``errors``.
    extensions: dict[str, object]

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = {}


class NotFoundError(DomainError):
    """Also raised for objects the caller may not see: absent and hidden look the same."""

    title = "Not found"


class PermissionDeniedError(DomainError):
    title = "Permission denied"


class ConflictError(DomainError):
    title = "Conflict"


class InvalidRequestError(DomainError):
    title = "Invalid request"


class UnauthenticatedError(DomainError):
    title = "Authentication required"


class InvalidEventError(Exception):
    """An event that validated but cannot be applied; it goes to the dead-letter topic."""
