"""Webhooks, e-mail recipients and the delivery log: who is told what, by which channel, and how it went."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel

from shared_audits.aggregate import Aggregate
from shared_audits.auth import Principal
from shared_audits.contracts.events import UserInvited, WebhookDeliveryFailed
from shared_audits.errors import PermissionDeniedError

from notifier.domain.errors import WebhookTargetRefusedError, WebhookUrlRefused


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
    DROPPED = "dropped"  # its webhook was deleted before it was sent


class NotificationRules(BaseModel):
    version: str
    description: str = ""
    emailed_event_types: list[str]
    critical_event_types: list[str]
    digest_hour_utc: int
    # What a factory's own recipients are told (since 2026.3); a factory's copy names no member.
    factory_emailed_event_types: list[str] = []
    # How many days before a CAP item's deadline its factory is reminded (since 2026.3; None: never).
    deadline_reminder_days: int | None = None
    # What an audit company's own recipients are told of its mandates and its accreditation (since 2026.4).
    audit_company_emailed_event_types: list[str] = []

    def email_mode(self, event_type: str, preference: Preference) -> DeliveryStatus | None:
        """How an event reaches one recipient by e-mail: now, in the digest, or not at all.

        Critical alerts always go out at once, whatever the preference.
        """
        if event_type in self.critical_event_types:
            return DeliveryStatus.PENDING
        if event_type not in self.emailed_event_types or preference == Preference.OFF:
            return None
        return DeliveryStatus.PENDING if preference == Preference.IMMEDIATE else DeliveryStatus.DIGEST

    def factory_email_mode(self, event_type: str, preference: Preference) -> DeliveryStatus | None:
        """How an event about a factory reaches one of the factory's own recipients."""
        return _mode(event_type in self.factory_emailed_event_types, preference)

    def audit_company_email_mode(self, event_type: str, preference: Preference) -> DeliveryStatus | None:
        """How an event about an audit company reaches one of the company's own recipients."""
        return _mode(event_type in self.audit_company_emailed_event_types, preference)


def _mode(emailed: bool, preference: Preference) -> DeliveryStatus | None:
    if not emailed or preference == Preference.OFF:
        return None
    return DeliveryStatus.PENDING if preference == Preference.IMMEDIATE else DeliveryStatus.DIGEST


def webhook_owner(caller: Principal) -> str:
    """The member whose webhooks (and recipients, and delivery log) a caller works with: members only."""
    if not caller.is_member:
        raise PermissionDeniedError("webhooks, recipients and the delivery log are for members")
    return caller.organisation_id


def recipient_owner(caller: Principal) -> str:
    """The organisation registering e-mail recipients: a member, a factory or an audit company."""
    if (caller.is_factory and caller.factory_id is not None) or caller.is_audit_company:
        return caller.organisation_id
    return webhook_owner(caller)


class Recipient(BaseModel):
    """A person a member, a factory or an audit company registered to receive e-mail (access-control tells
    no user's address)."""

    member_id: str  # the organisation that registered it: a member, a factory, or an audit company
    email: str
    preference: Preference
    updated_at: datetime
    factory_id: str | None = None  # set when a factory registered it: that site's events reach it
    # Set when an audit company registered it: its mandates, overdue reports and accreditation reach it.
    audit_company_id: str | None = None
    language: str = "en"
    last_digest_on: str | None = None  # ISO date of the last daily digest sent

    @classmethod
    def register(cls, caller: Principal, email: str, preference: Preference, language: str,
                 now: datetime) -> Recipient:
        """A member's recipient hears of its linked factories; a factory's (the site of the caller's token),
        of its own site; an audit company's, of its mandates and accreditation (see the rules)."""
        return cls(member_id=recipient_owner(caller), email=email.lower(), preference=preference,
                   language=language, updated_at=now,
                   factory_id=caller.factory_id if caller.is_factory else None,
                   audit_company_id=caller.organisation_id if caller.is_audit_company else None)


class WebhookStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"  # a tombstone without secrets: answers 404, is never listed nor sent to


class SigningSecret(BaseModel):
    """One secret a webhook's deliveries are signed with, sealed: the domain never holds it in clear."""

    sealed: dict[str, str]
    created_at: datetime
    retires_at: datetime | None = None  # set when a rotation replaced it: valid until then

    def valid_at(self, now: datetime) -> bool:
        return self.retires_at is None or now < self.retires_at


class Webhook(Aggregate):
    member_id: str
    url: str
    # Newest first: the current secret, then (during a rotation's grace period) the one it replaced.
    signing_secrets: list[SigningSecret] = []
    status: WebhookStatus = WebhookStatus.ACTIVE
    consecutive_failures: int = 0
    created_at: datetime
    disabled_at: datetime | None = None
    deleted_at: datetime | None = None

    @classmethod
    def register(cls, webhook_id: str, member_id: str, url: str, secret: SigningSecret, now: datetime, *,
                 allow_http: bool, target_refusal: str | None) -> Webhook:
        """A member's new webhook, signed with ``secret``: https only (plain http only where ``allow_http``,
        in development), to a target the address rule accepted (``target_refusal`` says why not)."""
        if urlsplit(url).scheme != "https" and not allow_http:
            raise WebhookUrlRefused("webhook URLs must use https")
        if target_refusal is not None:
            raise WebhookTargetRefusedError(target_refusal)
        return cls(id=webhook_id, member_id=member_id, url=url, created_at=now, signing_secrets=[secret])

    @property
    def deleted(self) -> bool:
        return self.status == WebhookStatus.DELETED

    def secrets_valid_at(self, now: datetime) -> list[SigningSecret]:
        """The secrets a delivery made now is signed with, newest first."""
        return [secret for secret in self.signing_secrets if secret.valid_at(now)]

    def previous_secret_valid_until(self, now: datetime) -> datetime | None:
        """End of the grace period of the secret the last rotation replaced; None when none is left."""
        retiring = [s.retires_at for s in self.signing_secrets if s.retires_at is not None and s.valid_at(now)]
        return max(retiring, default=None)

    def rotate_secret(self, new: SigningSecret, now: datetime, grace: timedelta) -> None:
        """Sign with ``new`` from now on, and with the replaced secret too until ``now + grace``.

        A second rotation within a grace period ends the first one's grace: at most
        two secrets are ever valid, the new one and the one it replaced.
        """
        current = [s for s in self.signing_secrets if s.retires_at is None]
        replaced = [s.model_copy(update={"retires_at": now + grace}) for s in current if grace > timedelta(0)]
        self.signing_secrets = [new, *replaced]

    def drop_retired_secrets(self, now: datetime) -> bool:
        """Forget secrets whose grace period is over; True when some were dropped."""
        valid = self.secrets_valid_at(now)
        if len(valid) == len(self.signing_secrets):
            return False
        self.signing_secrets = valid
        return True

    def delete(self, now: datetime) -> None:
        """Stop every delivery for good and erase the secrets; the document stays as a tombstone."""
        self.status = WebhookStatus.DELETED
        self.signing_secrets = []
        self.deleted_at = now

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
    member_id: str  # the organisation told: a member, a factory, an audit company, or the one that invited a user
    factory_id: str | None  # None for an invitation, and for an audit company's accreditation
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
    language: str = "en"

    @staticmethod
    def id_for(channel: Channel, target: str, event_id: str) -> str:
        """One delivery per channel, target and event, however often the event arrives."""
        return f"{channel.value}:{target}:{event_id}"

    def sent(self, now: datetime) -> None:
        self.status = DeliveryStatus.DELIVERED
        self.delivered_at = now
        self.last_error = None
        self._strike_token()

    def failed(self, error: str, now: datetime, max_attempts: int, backoff_seconds: float,
               backoff_cap_seconds: float) -> None:
        """A failed attempt: tried again after an exponential backoff, given up after the last attempt."""
        self.last_error = error[:500]
        if self.attempts >= max_attempts:
            self.status = DeliveryStatus.FAILED
            self._strike_token()
        else:
            self.next_attempt_at = now + backoff(self.attempts, backoff_seconds, backoff_cap_seconds)

    def undeliverable(self, reason: str, status: DeliveryStatus) -> None:
        """No point in retrying (its webhook was disabled, or deleted): failed, or dropped, for good."""
        self.status = status
        self.last_error = reason
        self._strike_token()

    def _strike_token(self) -> None:
        # An invitation's one-time token leaves the delivery log once the e-mail is sent (or given up on).
        if self.event_type == UserInvited.TYPE:
            self.envelope = {**self.envelope, "payload": {**self.envelope["payload"], "acceptance_token": "(sent)"}}


def backoff(attempts: int, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base, ... never more than the cap."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))
