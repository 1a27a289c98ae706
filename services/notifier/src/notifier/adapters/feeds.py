"""Member feed topics on Kafka: one per member, created when it first links a factory."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.topics import member_feed_topic
from shared_audits.kafka import ensure_topics, publish_envelopes


class KafkaMemberFeeds:
    def __init__(self, broker: KafkaBroker, bootstrap: str, client_options: dict[str, Any] | None = None) -> None:
        self._broker = broker
        self._bootstrap = bootstrap
        self._client_options = client_options  # SASL settings where Kafka requires authentication
        self._known_topics: set[str] = set()

    async def deliver_many(self, member_id: str, envelopes: list[EventEnvelope]) -> None:
        """Publish to the member's feed in order, and wait for every ack."""
        topic = member_feed_topic(member_id)
        if topic.name not in self._known_topics:
            await ensure_topics(self._bootstrap, [topic], self._client_options)
            self._known_topics.add(topic.name)
        await publish_envelopes(self._broker, topic.name, envelopes)
