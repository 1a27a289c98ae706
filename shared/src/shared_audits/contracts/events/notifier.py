"""Events published by notifier."""

from __future__ import annotations

from shared_audits.contracts import topics
from shared_audits.contracts.envelope import EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


class NotificationDelivered(EventPayload):
    TYPE = "NotificationDelivered"
    VERSION = 1
    TOPIC = topics.NOTIFIER

    notification_id: Id
    factory_id: Id
    member_id: Id
    channel: str
    source_event_id: Id


class WebhookDeliveryFailed(EventPayload):
    TYPE = "WebhookDeliveryFailed"
    VERSION = 1
    TOPIC = topics.NOTIFIER

    member_id: Id
    factory_id: Id
    url: str
    attempts: int
    last_error: str
