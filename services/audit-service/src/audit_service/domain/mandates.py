"""An audit company's mandates: the audits it was asked to perform, newest first, a page at a time."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, TypeAdapter

from audit_service.domain.model import AuditStatus
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.errors import InvalidRequestError

_STORED_TIME = TypeAdapter(datetime)


class Mandate(BaseModel):
    """One audit as its audit company lists it; the report itself is read at GET /audits/{id}."""

    audit_id: str
    factory_id: str
    member_id: str
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement
    window_starts_on: date | None = None
    window_ends_on: date | None = None
    status: AuditStatus
    mandated_at: datetime
    decided_at: datetime | None = None
    report_overdue_since: date | None = None


class SiteName(BaseModel):
    """What factory-registry announced of a site (FactoryRegistered): enough to recognise it."""

    name: str
    country: str
    city: str | None = None


@dataclass(frozen=True)
class MandatePosition:
    """Where a page ended in newest-first order: the mandate time as the audit stores it, then the id.

    The time is kept as the stored text, so the next page continues in the store's own order.
    """

    mandated_at: str
    audit_id: str

    @classmethod
    def of(cls, mandate: Mandate) -> MandatePosition:
        return cls(_STORED_TIME.dump_python(mandate.mandated_at, mode="json"), mandate.audit_id)

    def sort_key(self) -> tuple[str, str]:
        """Newest first is this key, descending."""
        return self.mandated_at, self.audit_id

    def encode(self) -> str:
        text = json.dumps([self.mandated_at, self.audit_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> MandatePosition:
        """The position a cursor of this service names; any other text is a 422."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            text = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
            mandated_at, audit_id = json.loads(text)
            if not (isinstance(mandated_at, str) and isinstance(audit_id, str)):
                raise ValueError("not two strings")
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
            raise InvalidRequestError("the cursor is not one this list gave; start again without it") from error
        return cls(mandated_at, audit_id)
