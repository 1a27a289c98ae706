"""Reading a member's own feed topic, as a member's integration does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer


def feed_topic(member_id: str) -> str:
    return f"ics.feed.{member_id}.v1"


@dataclass(frozen=True)
class FeedRecord:
    envelope: dict
    headers: dict[str, str]


async def _wait_for_record(
    bootstrap: str, topic: str, matches: Callable[[dict], bool], timeout: float
) -> FeedRecord | None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    envelope = json.loads(record.value)
                    if matches(envelope):
                        headers = {key: value.decode() for key, value in record.headers or ()}
                        return FeedRecord(envelope, headers)
        return None
    finally:
        await consumer.stop()


def wait_for_feed_record(
    bootstrap: str, member_id: str, matches: Callable[[dict], bool], timeout: float = 30.0
) -> FeedRecord | None:
    """The first record on the member's feed whose envelope ``matches``, or None after ``timeout``."""
    return asyncio.run(_wait_for_record(bootstrap, feed_topic(member_id), matches, timeout))


def wait_for_topic_record(
    bootstrap: str, topic: str, matches: Callable[[dict], bool], timeout: float = 30.0
) -> FeedRecord | None:
    """The first record on any platform topic whose envelope ``matches``, or None after ``timeout``."""
    return asyncio.run(_wait_for_record(bootstrap, topic, matches, timeout))


def read_whole_feed(bootstrap: str, member_id: str, idle_seconds: float = 2.0) -> list[dict]:
    """Every envelope on the member's feed so far."""

    async def read() -> list[dict]:
        consumer = AIOKafkaConsumer(
            feed_topic(member_id), bootstrap_servers=bootstrap, auto_offset_reset="earliest",
            enable_auto_commit=False, group_id=None,
        )
        await consumer.start()
        envelopes: list[dict] = []
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=int(idle_seconds * 1000))
                if not batches:
                    return envelopes
                for records in batches.values():
                    envelopes.extend(json.loads(record.value) for record in records)
        finally:
            await consumer.stop()

    return asyncio.run(read())
