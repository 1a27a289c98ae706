"""Replaying dead letters: re-publish each parked event's ``original`` to its ``source_topic``.

A dead letter is ``{"reason", "service", "source_topic", "key", "original", ...}``
(``shared_audits.consumer.DeadLetters``). Once the cause is fixed (a consumer
that learned a new version, a corrected projection), replaying re-drives the
events; consumers are idempotent, so replaying a letter twice does no harm.
Narrow a replay with a filter (event type, parked since) rather than by
remembering offsets: a letter filtered out today can still be replayed tomorrow.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from shared_audits.contracts.topics import dead_letter_topic
from shared_audits.lag import topic_partitions

# A dead-letter topic is small; reading one to its end takes seconds, not minutes.
READ_TIMEOUT_SECONDS = 120.0


@dataclass
class ReplayReport:
    replayed: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


async def replay_dead_letters(
    bootstrap: str,
    service: str,
    *,
    matches: Callable[[dict], bool] = lambda _: True,
    dry_run: bool = False,
    client_options: dict[str, Any] | None = None,
    progress: Callable[[dict], None] = lambda _: None,
) -> ReplayReport:
    """Re-publish the dead letters of ``service`` that ``matches`` accepts, parked up to now."""
    topic = dead_letter_topic(service).name
    options = client_options or {}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", **options
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **options)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
    report = ReplayReport()
    await admin.start()
    await consumer.start()
    await producer.start()
    try:
        partitions = await topic_partitions(admin, [topic])
        if not partitions:
            return report
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        # Explicit offsets: seek_to_beginning is lazy and can lose a race with the assignment's reset.
        for tp, offset in (await consumer.beginning_offsets(partitions)).items():
            consumer.seek(tp, offset)
        # Read up to the end as it was when we started: letters parked meanwhile wait for the next run.
        remaining = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
        deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_SECONDS
        while remaining:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {READ_TIMEOUT_SECONDS} s")
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    await _replay_one(producer, record.value, record.offset, matches, dry_run, report, progress)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await producer.stop()
        await consumer.stop()
        await admin.close()
    return report


async def _replay_one(
    producer: AIOKafkaProducer, raw: bytes, offset: int, matches: Callable[[dict], bool], dry_run: bool,
    report: ReplayReport, progress: Callable[[dict], None],
) -> None:
    try:
        letter = json.loads(raw)
        source_topic, original = letter["source_topic"], letter["original"]
    except (ValueError, KeyError, TypeError):
        report.skipped.append(f"offset {offset}: not a dead-letter entry")
        return
    if not matches(letter):
        report.skipped.append(f"offset {offset}: filtered out")
        return
    if not dry_run:
        key = letter.get("key")
        await producer.send_and_wait(
            source_topic, original.encode(), key=key.encode() if key else None,
            headers=[("content-type", b"application/json"), ("replayed-from", f"offset {offset}".encode())],
        )
    report.replayed.append(letter)
    progress(letter)
