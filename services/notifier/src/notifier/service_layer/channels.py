"""Use cases of the delivery channels: webhooks and e-mail recipients, the dispatcher and the daily digest."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from notifier.domain.channels import (
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationRules,
    Preference,
    Recipient,
    SigningSecret,
    Webhook,
    WebhookStatus,
    recipient_owner,
    webhook_owner,
)
from notifier.domain.audit_company_mail import audit_company_of
from notifier.domain.factory_mail import TrackedDeadline, deadline_near, factory_copy
from notifier.domain.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature
from notifier.service_layer.ports import (
    CapDeadlines,
    Deliveries,
    EmailWriter,
    Mailer,
    Recipients,
    SecretSealing,
    WebhookSender,
    WebhookStore,
    WebhookTargetCheck,
)
from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.events import (
    CapClosed,
    CapItemAccepted,
    CapItemClosed,
    CapItemExtensionGranted,
    CapItemReopened,
    CapOpened,
    UserInvited,
)
from shared_audits.errors import ConflictError, NotFoundError

def new_webhook_secret() -> str:
    """A fresh signing secret: 256 random bits, 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


@dataclass
class DeliveryPolicy:
    """Operational numbers of the dispatcher (settings, not domain rules)."""

    max_attempts: int = 6
    backoff_seconds: float = 1.0
    backoff_cap_seconds: float = 3600.0
    disable_after_failures: int = 5
    # How long the secret a rotation replaced still signs deliveries beside the new one.
    secret_grace: timedelta = timedelta(hours=24)
    lease_seconds: float = 60.0
    batch: int = 50


@dataclass
class ChannelHandlers:
    webhooks: WebhookStore
    recipients: Recipients
    deliveries: Deliveries
    mailer: Mailer
    sender: WebhookSender
    rules: NotificationRules
    targets: WebhookTargetCheck
    sealing: SecretSealing
    emails: EmailWriter
    deadlines: CapDeadlines
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_secret: Callable[[], str] = new_webhook_secret
    # Plain-http webhook URLs: development only (WEBHOOK_ALLOW_HTTP); production requires https.
    allow_http: bool = False

    # registration (HTTP)

    async def register_webhook(self, caller: Principal, url: str, secret: str) -> Webhook:
        """Add a webhook: https (outside development), to a host resolving to public addresses only.

        The secret is stored sealed; the delivery check of the address is repeated at every connection.
        """
        member_id = webhook_owner(caller)
        refusal = await self.targets.refusal(url)
        webhook_id, now = str(uuid.uuid4()), self.clock()
        sealed = SigningSecret(sealed=self.sealing.seal(webhook_id, secret), created_at=now)
        webhook = Webhook.register(webhook_id, member_id, url, sealed, now,
                                   allow_http=self.allow_http, target_refusal=refusal)
        await self.webhooks.add(webhook)
        return webhook

    async def webhooks_of(self, caller: Principal) -> list[Webhook]:
        return [webhook for webhook in await self.webhooks.find(member_id=webhook_owner(caller)) if not webhook.deleted]

    async def enable_webhook(self, caller: Principal, webhook_id: str) -> Webhook:
        return await self._change_own_webhook(caller, webhook_id, lambda webhook: webhook.enable())

    async def rotate_webhook_secret(self, caller: Principal, webhook_id: str) -> tuple[Webhook, str]:
        """Give the webhook a new secret, returned once; the replaced one also signs during the grace period."""
        secret = self.new_secret()
        now = self.clock()
        new = SigningSecret(sealed=self.sealing.seal(webhook_id, secret), created_at=now)
        webhook = await self._change_own_webhook(
            caller, webhook_id, lambda webhook: webhook.rotate_secret(new, now, self.policy.secret_grace)
        )
        return webhook, secret

    async def delete_webhook(self, caller: Principal, webhook_id: str) -> int:
        """Delete a webhook and drop its pending deliveries; returns how many were dropped.

        A request already on its way when the webhook is deleted may still arrive.
        """
        now = self.clock()
        await self._change_own_webhook(caller, webhook_id, lambda webhook: webhook.delete(now))
        return await self.deliveries.drop_pending(Channel.WEBHOOK, webhook_id, "the webhook was deleted")

    async def _change_own_webhook(self, caller: Principal, webhook_id: str,
                                  change: Callable[[Webhook], None]) -> Webhook:
        """Apply a member's change to its webhook; another member's (or a deleted) webhook is not found.

        The dispatcher saves webhooks too (counting failures): a change that meets one
        of its writes is read again and re-applied, instead of failing the member's request.
        """
        member_id = webhook_owner(caller)
        attempts_left = 3
        while True:
            attempts_left -= 1
            webhook = await self.webhooks.get(webhook_id)
            if webhook is None or webhook.member_id != member_id or webhook.deleted:
                raise NotFoundError(f"webhook {webhook_id} not found")
            change(webhook)
            try:
                await self.webhooks.save(webhook)
                return webhook
            except ConflictError:
                if attempts_left == 0:
                    raise

    async def register_recipient(self, caller: Principal, email: str, preference: Preference,
                                 language: str = "en") -> Recipient:
        """A member's recipient hears of its linked factories; a factory's, of its own site; an audit
        company's, of its mandates and accreditation (see the rules)."""
        recipient = Recipient.register(caller, email, preference, language, self.clock())
        await self.recipients.put(recipient)
        return recipient

    async def recipients_of(self, caller: Principal) -> list[Recipient]:
        return await self.recipients.of_member(recipient_owner(caller))

    async def delivery_log(self, caller: Principal, limit: int,
                           after: str | None = None) -> tuple[list[Delivery], str | None]:
        """One page of the organisation's delivery log, newest first, and the cursor of the next page (None: the last)."""
        found = await self.deliveries.of_member(recipient_owner(caller), limit + 1, after)
        page = found[:limit]
        return page, (page[-1].delivery_id if len(found) > limit else None)

    # fan-out (Kafka consumer)

    async def enqueue_for_members(self, events: list[tuple[str, str, EventEnvelope]]) -> None:
        """Queue each (member, factory, event) for that member's webhooks and recipients, in one write."""
        members = sorted({member_id for member_id, _, _ in events})
        channels = dict(zip(members, await asyncio.gather(*(self._channels_of(m) for m in members)), strict=True))
        now = self.clock()
        queued: list[Delivery] = []
        for member_id, factory_id, envelope in events:
            webhooks, recipients = channels[member_id]
            targets: list[tuple[Channel, str, DeliveryStatus, str]] = [
                (Channel.WEBHOOK, webhook.id, DeliveryStatus.PENDING, "en") for webhook in webhooks
            ]
            for recipient in recipients:
                mode = self.rules.email_mode(envelope.type, recipient.preference)
                if mode is not None:
                    targets.append((Channel.EMAIL, recipient.email, mode, recipient.language))
            if not targets:
                continue
            critical = envelope.type in self.rules.critical_event_types
            envelope_json = envelope.model_dump(mode="json")
            queued += [
                Delivery(
                    delivery_id=Delivery.id_for(channel, target, str(envelope.event_id)), channel=channel,
                    member_id=member_id, factory_id=factory_id, target=target, event_id=str(envelope.event_id),
                    event_type=envelope.type, critical=critical, envelope=envelope_json, status=status,
                    next_attempt_at=now, created_at=now, language=language,
                )
                for channel, target, status, language in targets
            ]
        if queued:
            await self.deliveries.enqueue_many(queued)

    async def enqueue_for_factories(self, events: list[tuple[str, EventEnvelope]]) -> None:
        """Queue each (factory, event) for the factory's own recipients, as the rules say; follow CAP deadlines."""
        queued: list[Delivery] = []
        for factory_id, envelope in events:
            await self._follow_deadlines(envelope)
            if envelope.type in self.rules.factory_emailed_event_types:
                queued += await self._for_factory(factory_id, factory_copy(envelope.model_dump(mode="json")))
        if queued:
            await self.deliveries.enqueue_many(queued)

    async def _for_factory(self, factory_id: str, envelope: dict) -> list[Delivery]:
        now = self.clock()
        queued = []
        for recipient in await self.recipients.of_factory(factory_id):
            mode = self.rules.factory_email_mode(envelope["type"], recipient.preference)
            if mode is not None:
                queued.append(Delivery(
                    delivery_id=Delivery.id_for(Channel.EMAIL, recipient.email, envelope["event_id"]),
                    channel=Channel.EMAIL, member_id=recipient.member_id, factory_id=factory_id,
                    target=recipient.email, event_id=envelope["event_id"], event_type=envelope["type"],
                    envelope=envelope, status=mode, next_attempt_at=now, created_at=now,
                    language=recipient.language,
                ))
        return queued

    async def enqueue_for_audit_companies(self, events: list[tuple[EventPayload, EventEnvelope]]) -> None:
        """Queue each event naming an audit company for that company's own recipients, as the rules say."""
        now = self.clock()
        queued: list[Delivery] = []
        for event, envelope in events:
            audit_company_id = audit_company_of(event)
            if audit_company_id is None or envelope.type not in self.rules.audit_company_emailed_event_types:
                continue
            envelope_json = envelope.model_dump(mode="json")
            for recipient in await self.recipients.of_audit_company(audit_company_id):
                mode = self.rules.audit_company_email_mode(envelope.type, recipient.preference)
                if mode is not None:
                    queued.append(Delivery(
                        delivery_id=Delivery.id_for(Channel.EMAIL, recipient.email, str(envelope.event_id)),
                        channel=Channel.EMAIL, member_id=recipient.member_id,
                        factory_id=getattr(event, "factory_id", None), target=recipient.email,
                        event_id=str(envelope.event_id), event_type=envelope.type, envelope=envelope_json,
                        status=mode, next_attempt_at=now, created_at=now, language=recipient.language,
                    ))
        if queued:
            await self.deliveries.enqueue_many(queued)

    async def _follow_deadlines(self, envelope: EventEnvelope) -> None:
        payload = envelope.payload
        if envelope.type == CapOpened.TYPE:
            opened = CapOpened.model_validate(payload)
            await self.deadlines.opened([
                TrackedDeadline(item_id=item.item_id, cap_id=opened.cap_id, factory_id=opened.factory_id,
                                description=item.description, deadline=item.deadline)
                for item in opened.items
            ])
        elif envelope.type in (CapItemReopened.TYPE, CapItemExtensionGranted.TYPE):
            # A new deadline (reopened, or extended by a linked member): reminded again before it.
            await self.deadlines.reopened(payload["item_id"], date.fromisoformat(str(payload["deadline"])))
        elif envelope.type in (CapItemAccepted.TYPE, CapItemClosed.TYPE):
            await self.deadlines.done(payload["item_id"])
        elif envelope.type == CapClosed.TYPE:
            await self.deadlines.cap_closed(payload["cap_id"])

    async def invite(self, event: UserInvited, envelope: EventEnvelope) -> None:
        """E-mail an invitation to the invited address, and to it alone, whatever the kind of organisation.

        The one-time token travels in the e-mail only: never logged, and struck from the delivery once sent.
        """
        now = self.clock()
        email = event.email.lower()
        await self.deliveries.enqueue_many([Delivery(
            delivery_id=Delivery.id_for(Channel.EMAIL, email, str(envelope.event_id)), channel=Channel.EMAIL,
            member_id=event.organisation_id, factory_id=None, target=email, event_id=str(envelope.event_id),
            event_type=envelope.type, envelope=envelope.model_dump(mode="json"), status=DeliveryStatus.PENDING,
            next_attempt_at=now, created_at=now,
        )])

    async def remind_deadlines(self) -> int:
        """Tell each factory of its open CAP items due within the rules' days, once per item and deadline.

        Returns how many items were reminded of; run as often as wanted (daily is enough).
        """
        days = self.rules.deadline_reminder_days
        if days is None:
            return 0
        now = self.clock()
        today = now.date()
        due = await self.deadlines.to_remind(today, today + timedelta(days=days))
        for item in due:
            envelope = deadline_near(item.cap_id, item.item_id, item.factory_id, item.description, item.deadline, now)
            queued = await self._for_factory(item.factory_id, envelope)
            if queued:
                await self.deliveries.enqueue_many(queued)
            await self.deadlines.reminded(item.item_id)
        return len(due)

    async def _channels_of(self, member_id: str) -> tuple[list[Webhook], list[Recipient]]:
        webhooks, recipients = await asyncio.gather(self.webhooks.find(member_id=member_id),
                                                    self.recipients.of_member(member_id))
        return [webhook for webhook in webhooks if webhook.status == WebhookStatus.ACTIVE], recipients

    # background jobs

    async def dispatch_due(self) -> int:
        """Send what is due; a failure is retried with exponential backoff. Returns how many were sent."""
        now = self.clock()
        sent = 0
        for delivery in await self.deliveries.claim_due(now, timedelta(seconds=self.policy.lease_seconds),
                                                         self.policy.batch):
            delivery.attempts += 1
            try:
                if delivery.channel == Channel.WEBHOOK:
                    await self._post_webhook(delivery)
                else:
                    subject, body = self.emails.for_delivery(delivery)
                    await self.mailer.send(delivery.target, subject, body)
            except _Undeliverable as error:
                delivery.undeliverable(str(error), error.status)
            except Exception as error:  # noqa: BLE001 - any failure of the far end is retried, then logged
                delivery.failed(f"{type(error).__name__}: {error}", self.clock(), self.policy.max_attempts,
                                self.policy.backoff_seconds, self.policy.backoff_cap_seconds)
                if delivery.channel == Channel.WEBHOOK:
                    await self._webhook_failed(delivery)
            else:
                delivery.sent(self.clock())
                sent += 1
            await self.deliveries.update(delivery)
        return sent

    async def _post_webhook(self, delivery: Delivery) -> None:
        webhook = await self.webhooks.get(delivery.target)
        if webhook is None or webhook.deleted:
            raise _Undeliverable("the webhook was deleted", DeliveryStatus.DROPPED)
        if webhook.status != WebhookStatus.ACTIVE:
            raise _Undeliverable("the webhook is disabled")
        now = self.clock()
        valid = webhook.secrets_valid_at(now)
        if not valid:
            # Only a webhook stored in clear by an older instance after this one started: sealed at the next start.
            raise RuntimeError("the webhook has no sealed signing secret yet")
        body = json.dumps(delivery.envelope, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature([self.sealing.open(webhook.id, s.sealed) for s in valid], timestamp, body),
            EVENT_ID_HEADER: delivery.event_id,
            EVENT_TYPE_HEADER: delivery.event_type,
        }
        await self.sender.post(webhook.url, body, headers)
        changed = webhook.succeeded()
        if webhook.drop_retired_secrets(now) or changed:
            await self._save_webhook(webhook)

    async def _webhook_failed(self, delivery: Delivery) -> None:
        webhook = await self.webhooks.get(delivery.target)
        if webhook is None or webhook.deleted:
            return
        webhook.failed(delivery.factory_id, delivery.last_error or "", self.policy.disable_after_failures,
                       self.clock())
        await self._save_webhook(webhook)

    async def _save_webhook(self, webhook: Webhook) -> None:
        try:
            await self.webhooks.save(webhook)
        except ConflictError:
            pass  # changed meanwhile (re-enabled, or counted by another delivery): that state stands

    async def send_digests(self) -> int:
        """Once a day, after the rule's hour, one e-mail per recipient with what waited. Returns mails sent."""
        now = self.clock()
        if now.hour < self.rules.digest_hour_utc:
            return 0
        today = now.date().isoformat()
        sent = 0
        for recipient in await self.recipients.wanting_digest():
            if recipient.last_digest_on == today:
                continue
            waiting = [d for d in await self.deliveries.digest_of(recipient.email) if d.member_id == recipient.member_id]
            if waiting:
                lines = [f"- {d.created_at:%Y-%m-%d %H:%M} {d.event_type}"
                         + (f" at factory {d.factory_id}" if d.factory_id else "") for d in waiting]
                await self.mailer.send(
                    recipient.email, f"[Shared audits] Daily digest: {len(waiting)} updates",
                    "What happened at your factories since the last digest:\n\n" + "\n".join(lines) + "\n",
                )
                for delivery in waiting:
                    delivery.sent(now)
                    await self.deliveries.update(delivery)
                sent += 1
            await self.recipients.digest_sent(recipient, today)
        return sent


class _Undeliverable(Exception):
    """No point in retrying: the webhook was disabled (failed) or deleted (dropped) meanwhile."""

    def __init__(self, reason: str, status: DeliveryStatus = DeliveryStatus.FAILED) -> None:
        super().__init__(reason)
        self.status = status
