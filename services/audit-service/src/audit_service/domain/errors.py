"""Errors of audit-service's domain, each in one of the shared categories."""

from __future__ import annotations

from shared_audits.errors import ConflictError, InvalidRequestError


class ReportRejected(InvalidRequestError):
    """A report that does not fit its questionnaire or the rules; every problem is listed."""

    title = "Invalid report"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems[:10]))
        self.errors = problems
        # The problem body's errors have the shape every 422 documents: field, message, type.
        self.extensions["errors"] = [{"type": "value_error", **problem} for problem in problems]


class AuditNotReady(InvalidRequestError):
    """The factory has not yet met the preconditions for an audit to take place."""

    title = "Factory not ready for audit"
    status = 409


class AuditCompanyNotMandatable(ConflictError):
    """The audit company may not take new mandates now: suspended, or its trial ended unaccredited."""

    title = "Audit company cannot be mandated"
