"""The errors cap-service's domain raises, beyond the shared categories it raises as they are.

A refusal of a request subclasses one of ``shared_audits.errors``' categories, so the HTTP
edge maps it to its status in one place.
"""

from __future__ import annotations

from shared_audits.errors import InvalidRequestError


class PlanRefused(InvalidRequestError):
    """A plan or an extension request that cannot be taken as asked; ``errors`` names the field."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.extensions = {"errors": [{"field": field, "message": detail, "type": "value_error"}]}


class RecordIntegrityError(RuntimeError):
    """Stored checkpoint data that the platform's own signature does not cover: nothing more is signed.

    Not a refusal of a request but a fault of the stored data (someone altered the database):
    the scheduled signing stops and an operator looks.
    """
