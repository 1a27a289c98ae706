"""Re-drive dead-lettered events to the topic they came from, once their cause is fixed.

    python -m tests.faults.replay cap-service --match <text> [--bootstrap 127.0.0.1:19092]

Reads ``ics.deadletter.<service>.v1`` from the start, keeps the entries whose
reason or original record contains ``--match`` (all when omitted) and publishes
each original record, with its key, to its source topic. Consumers are
idempotent, so replaying an entry twice does no harm. A minimal tool for the
fault tests; the operator CLI has the full command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared_audits.contracts.topics import dead_letter_topic


async def dead_letters(bootstrap: str, service: str, match: str | None, idle_ms: int = 1500) -> list[dict]:
    """The parked entries of ``service`` (optionally only those mentioning ``match``)."""
    consumer = AIOKafkaConsumer(dead_letter_topic(service).name, bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    entries: list[dict] = []
    try:
        while batches := await consumer.getmany(timeout_ms=idle_ms):
            for records in batches.values():
                for record in records:
                    entry = json.loads(record.value)
                    if match is None or match in entry["reason"] or match in entry["original"]:
                        entries.append(entry)
    finally:
        await consumer.stop()
    return entries


async def replay(bootstrap: str, service: str, match: str | None) -> int:
    """Publish every matching parked record back to its source topic; returns how many."""
    entries = await dead_letters(bootstrap, service, match)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for entry in entries:
            key = entry["key"].encode() if entry.get("key") else None
            await producer.send_and_wait(entry["source_topic"], entry["original"].encode(), key=key,
                                         headers=[("replayed-from", dead_letter_topic(service).name.encode())])
    finally:
        await producer.stop()
    return len(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("service", help="the consuming service whose dead letters to replay, e.g. cap-service")
    parser.add_argument("--match", help="only entries whose reason or record contains this text")
    parser.add_argument("--bootstrap", default=f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}")
    args = parser.parse_args(argv)
    count = asyncio.run(replay(args.bootstrap, args.service, args.match))
    print(f"replayed {count} dead-lettered record(s) of {args.service}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
