"""Webhooks, e-mail recipients and the delivery log: who is told what, by which channel, and how it went."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import WebhookDeliveryFailed


class Preference(StrEnum):
    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"


class Channel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # to be sent (again) at next_attempt_at
    DIGEST = "digest"  # waits for the recipient's daily digest
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last attempt


class NotificationRules(BaseModel):
    version: str
    description: str = ""
    emailed_event_types: list[str]
    critical_event_types: list[str]
    digest_hour_utc: int

    def email_mode(self, event_type: str, preference: Preference) -> DeliveryStatus | None:
        """How an event reaches one recipient by e-mail: now, in the digest, or not at all.

        Critical alerts always go out at once, whatever the preference.
        """
        if event_type in self.critical_event_types:
            return DeliveryStatus.PENDING
        if event_type not in self.emailed_event_types or preference == Preference.OFF:
            return None
        return DeliveryStatus.PENDING if preference == Preference.IMMEDIATE else DeliveryStatus.DIGEST


class Recipient(BaseModel):
    """A person a member registered to receive e-mail (until access-control holds users' addresses)."""

    member_id: str
    email: str
    preference: Preference
    updated_at: datetime
    last_digest_on: str | None = None  # ISO date of the last daily digest sent


class WebhookStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Webhook(Aggregate):
    member_id: str
    url: str
    secret: str
    status: WebhookStatus = WebhookStatus.ACTIVE
    consecutive_failures: int = 0
    created_at: datetime
    disabled_at: datetime | None = None

    def succeeded(self) -> bool:
        """Note a delivered request; True when the state changed."""
        if self.consecutive_failures == 0:
            return False
        self.consecutive_failures = 0
        return True

    def failed(self, factory_id: str, error: str, disable_after: int, now: datetime) -> None:
        """Count a failed attempt; after ``disable_after`` in a row the webhook is disabled, with a notice."""
        self.consecutive_failures += 1
        if self.status == WebhookStatus.ACTIVE and self.consecutive_failures >= disable_after:
            self.status = WebhookStatus.DISABLED
            self.disabled_at = now
            self.record(
                WebhookDeliveryFailed(
                    member_id=self.member_id, factory_id=factory_id, url=self.url,
                    attempts=self.consecutive_failures, last_error=error[:500],
                )
            )

    def enable(self) -> None:
        self.status = WebhookStatus.ACTIVE
        self.consecutive_failures = 0
        self.disabled_at = None


class Delivery(BaseModel):
    """One notification to one target by one channel: the delivery log's entry."""

    delivery_id: str
    channel: Channel
    member_id: str
    factory_id: str
    target: str  # webhook id or e-mail address
    event_id: str
    event_type: str
    critical: bool = False
    envelope: dict
    status: DeliveryStatus
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None

    @staticmethod
    def id_for(channel: Channel, target: str, event_id: str) -> str:
        """One delivery per channel, target and event, however often the event arrives."""
        return f"{channel.value}:{target}:{event_id}"


def backoff(attempts: int, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base, ... never more than the cap."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))
