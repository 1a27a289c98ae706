"""Consumer lag of a consumer group: records on its topics it has not committed yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def topic_partitions(admin: AIOKafkaAdminClient, topics: list[str]) -> list[TopicPartition]:
    """The partitions of the topics that exist (unknown topics are left out)."""
    if not topics:
        return []
    described = await admin.describe_topics(topics)
    return sorted(
        TopicPartition(entry["topic"], partition["partition"])
        for entry in described
        if entry["error_code"] == 0
        for partition in entry["partitions"]
    )


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None
    end: int

    @property
    def lag(self) -> int:
        # A group that never committed on a partition has everything still to read.
        return self.end - (self.committed or 0)


@dataclass
class ConsumerLag:
    """Measures one group's lag on some topics (each call opens and closes its clients)."""

    bootstrap: str
    group_id: str
    # None: the topics the group has committed offsets on.
    topics: list[str] | None
    client_options: dict[str, Any] = field(default_factory=dict)

    async def by_partition(self) -> list[PartitionLag]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, **self.client_options)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, **self.client_options)
        await admin.start()
        await consumer.start()
        try:
            committed = await admin.list_consumer_group_offsets(self.group_id)
            topics = self.topics if self.topics is not None else sorted({tp.topic for tp in committed})
            partitions = await topic_partitions(admin, topics)
            ends = await consumer.end_offsets(partitions) if partitions else {}
            return [
                PartitionLag(
                    tp.topic,
                    tp.partition,
                    committed[tp].offset if tp in committed and committed[tp].offset >= 0 else None,
                    ends[tp],
                )
                for tp in partitions
            ]
        finally:
            await consumer.stop()
            await admin.close()

    async def by_topic(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for entry in await self.by_partition():
            totals[entry.topic] += entry.lag
        return dict(totals)
