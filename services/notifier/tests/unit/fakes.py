"""In-memory fakes of notifier's ports (service_layer/ports.py), for the unit tests: each stores as its adapter does."""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, timedelta

from shared_audits.contracts.envelope import EventEnvelope

from notifier.adapters.recipients import recipient_id
from notifier.domain.channels import Channel, Delivery, DeliveryStatus, Preference, Recipient
from notifier.domain.factory_mail import TrackedDeadline
from notifier.domain.model import InboxEntry


class InMemoryInbox:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], InboxEntry] = {}

    async def delivered_among(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        return set(keys) & set(self.entries)

    async def put_many(self, entries: list[InboxEntry]) -> None:
        for entry in entries:
            self.entries.setdefault((entry.member_id, entry.event_id), entry)

    async def latest(self, member_id: str, factory_ids: list[str], limit: int,
                     after: str | None = None) -> list[InboxEntry]:
        found = [e for e in self.entries.values() if e.member_id == member_id and e.factory_id in factory_ids]
        if after is not None:
            last = self.entries.get((member_id, after))
            if last is None:
                return []
            found = [e for e in found if (e.occurred_at, e.event_id) < (last.occurred_at, last.event_id)]
        return sorted(found, key=lambda e: (e.occurred_at, e.event_id), reverse=True)[:limit]

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        for key, entry in self.entries.items():
            if entry.factory_id == merged_id:
                self.entries[key] = entry.model_copy(update={"factory_id": surviving_id})


class InMemoryFactoryEventLog:
    def __init__(self) -> None:
        self.envelopes: dict[str, tuple[str, EventEnvelope]] = {}

    async def append_many(self, events: list[tuple[str, EventEnvelope]]) -> None:
        for factory_id, envelope in events:
            self.envelopes.setdefault(str(envelope.event_id), (factory_id, envelope))

    async def since(self, factory_id: str, moment: datetime) -> list[EventEnvelope]:
        found = [e for f, e in self.envelopes.values() if f == factory_id and e.occurred_at >= moment]
        return sorted(found, key=lambda e: e.occurred_at)

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        for event_id, (factory_id, envelope) in self.envelopes.items():
            if factory_id == merged_id:
                self.envelopes[event_id] = (surviving_id, envelope)


class InMemoryDeliveries:
    def __init__(self) -> None:
        self.items: dict[str, Delivery] = {}

    async def enqueue_many(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            self.items.setdefault(delivery.delivery_id, delivery.model_copy(deep=True))

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        due = sorted(
            (d for d in self.items.values() if d.status == DeliveryStatus.PENDING and d.next_attempt_at <= now),
            key=lambda d: d.next_attempt_at,
        )[:limit]
        for delivery in due:
            delivery.next_attempt_at = now + lease
        return [d.model_copy(deep=True) for d in due]

    async def update(self, delivery: Delivery) -> None:
        self.items[delivery.delivery_id] = delivery.model_copy(deep=True)

    async def drop_pending(self, channel: Channel, target: str, reason: str) -> int:
        waiting = [d for d in self.items.values()
                   if d.channel == channel and d.target == target and d.status == DeliveryStatus.PENDING]
        for delivery in waiting:
            delivery.status, delivery.last_error = DeliveryStatus.DROPPED, reason
        return len(waiting)

    async def of_member(self, member_id: str, limit: int, after: str | None = None) -> list[Delivery]:
        found = [d for d in self.items.values() if d.member_id == member_id]
        if after is not None:
            last = self.items.get(after)
            if last is None or last.member_id != member_id:
                return []
            found = [d for d in found if (d.created_at, d.delivery_id) < (last.created_at, last.delivery_id)]
        return sorted(found, key=lambda d: (d.created_at, d.delivery_id), reverse=True)[:limit]

    async def digest_of(self, email: str) -> list[Delivery]:
        found = [d for d in self.items.values() if d.target == email and d.status == DeliveryStatus.DIGEST]
        return sorted(found, key=lambda d: d.created_at)


class InMemoryRecipients:
    def __init__(self) -> None:
        self.items: dict[str, Recipient] = {}

    async def put(self, recipient: Recipient) -> None:
        key = recipient_id(recipient.member_id, recipient.email)
        previous = self.items.get(key)
        self.items[key] = recipient.model_copy(update={"last_digest_on": previous.last_digest_on if previous else None})

    async def of_member(self, member_id: str) -> list[Recipient]:
        return sorted((r for r in self.items.values() if r.member_id == member_id), key=lambda r: r.email)

    async def of_factory(self, factory_id: str) -> list[Recipient]:
        return sorted((r for r in self.items.values() if r.factory_id == factory_id), key=lambda r: r.email)

    async def of_audit_company(self, audit_company_id: str) -> list[Recipient]:
        return sorted((r for r in self.items.values() if r.audit_company_id == audit_company_id),
                      key=lambda r: r.email)

    async def wanting_digest(self) -> list[Recipient]:
        return [r for r in self.items.values() if r.preference == Preference.DAILY_DIGEST]

    async def digest_sent(self, recipient: Recipient, on: str) -> None:
        key = recipient_id(recipient.member_id, recipient.email)
        self.items[key] = self.items[key].model_copy(update={"last_digest_on": on})


class InMemoryCapDeadlines:
    def __init__(self) -> None:
        self.items: dict[str, TrackedDeadline] = {}

    async def opened(self, items: list[TrackedDeadline]) -> None:
        for item in items:
            self.items.setdefault(item.item_id, item.model_copy())

    async def reopened(self, item_id: str, deadline: date) -> None:
        if item_id in self.items:
            self.items[item_id] = self.items[item_id].model_copy(
                update={"deadline": deadline, "open": True, "reminded": False})

    async def done(self, item_id: str) -> None:
        if item_id in self.items:
            self.items[item_id].open = False

    async def cap_closed(self, cap_id: str) -> None:
        for item in self.items.values():
            if item.cap_id == cap_id:
                item.open = False

    async def to_remind(self, first: date, last: date) -> list[TrackedDeadline]:
        return [item.model_copy() for item in self.items.values()
                if item.open and not item.reminded and first <= item.deadline <= last]

    async def reminded(self, item_id: str) -> None:
        self.items[item_id].reminded = True


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class FakeSender:
    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes, dict]] = []
        self.failing = False

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.requests.append((url, body, headers))
        if self.failing:
            raise ConnectionError("refused")


class InMemoryMemberFeeds:
    """What each member's feed topic received, in order."""

    def __init__(self) -> None:
        self.topics: dict[str, list[EventEnvelope]] = {}
        self.delivered: list[tuple[str, str]] = []  # (member, event type), across members in publishing order

    async def deliver_many(self, member_id: str, envelopes: list[EventEnvelope]) -> None:
        self.topics.setdefault(member_id, []).extend(envelopes)
        self.delivered += [(member_id, envelope.type) for envelope in envelopes]


class FakeDns:
    """Answers what the test wrote for each host name; an unknown name does not resolve."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.answers:
            return self.answers[host]
        try:
            return [str(ipaddress.ip_address(host))]  # an address literal answers itself
        except ValueError:
            raise OSError(f"[Errno -2] Name or service not known: {host}") from None
