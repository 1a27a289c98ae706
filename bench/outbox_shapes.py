"""The two transactional-outbox shapes side by side on the running MongoDB-protocol server.

    python -m bench.outbox_shapes [--saves N] [--concurrency C]

In-document: the state and its events in one single-document update (what the
platform does). Collection: the state update and an insert into an outbox
collection in one multi-document transaction. Both change a 10-item CAP-sized
document and add one event, with the version checked in the update filter.
Each also removes its event afterwards, as the relay does once it is published.
Prints saves per second (with the removal) and p50/p99 latency of the save; a
bare update without any event is the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

from pymongo import AsyncMongoClient

ITEM = {"item_id": "", "status": "evidence_submitted", "description": "Extinguisher tags out of date. " * 8,
        "evidence_ids": [str(uuid.uuid4())], "decisions": []}


def cap_document(cap_id: str) -> dict:
    return {"_id": cap_id, "version": 1, "factory_id": "f-bench", "status": "open", "outbox": [],
            "items": [{**ITEM, "item_id": f"i-{n}"} for n in range(10)]}


def event() -> dict:
    return {"event_id": str(uuid.uuid4()), "topic": "ics.cap.v1",
            "envelope": {"type": "CapItemAccepted", "payload": {"cap_id": "c", "item_id": "i-1"}}}


async def run(shape: str, client: AsyncMongoClient, saves: int, concurrency: int) -> list[float]:
    database = client["bench_outbox_shapes"]
    caps, outbox = database[f"caps_{shape}"], database[f"outbox_{shape}"]
    await caps.drop()
    await outbox.drop()
    await outbox.create_index("event_id", unique=True)
    ids = [f"c-{n}" for n in range(concurrency)]
    await caps.insert_many([cap_document(cap_id) for cap_id in ids])
    versions = dict.fromkeys(ids, 1)
    latencies: list[float] = []

    async def save(cap_id: str) -> None:
        change = {"$set": {"items.1.status": "accepted"}, "$inc": {"version": 1}}
        began = time.perf_counter()
        if shape == "bare":
            await caps.update_one({"_id": cap_id, "version": versions[cap_id]}, change)
        elif shape == "in-document":
            pending = event()
            await caps.update_one({"_id": cap_id, "version": versions[cap_id]},
                                  {**change, "$push": {"outbox": pending}})
            latencies.append(time.perf_counter() - began)
            # the relay's removal once published
            await caps.update_one({"_id": cap_id}, {"$pull": {"outbox": {"event_id": {"$in": [pending["event_id"]]}}}})
        else:
            pending = event()
            async with client.start_session() as session:
                async with await session.start_transaction():
                    await caps.update_one({"_id": cap_id, "version": versions[cap_id]}, change, session=session)
                    await outbox.insert_one(pending, session=session)
            latencies.append(time.perf_counter() - began)
            await outbox.delete_one({"event_id": pending["event_id"]})  # the relay's removal once published
        if shape == "bare":
            latencies.append(time.perf_counter() - began)
        versions[cap_id] += 1

    async def worker(cap_id: str, count: int) -> None:
        for _ in range(count):
            await save(cap_id)

    await asyncio.gather(*(worker(cap_id, saves // concurrency) for cap_id in ids))
    await database.drop_collection(caps)
    await database.drop_collection(outbox)
    return latencies


async def main(saves: int, concurrency: int) -> None:
    url = os.environ.get("MONGO_URL", f"mongodb://127.0.0.1:{os.environ.get('MONGO_PORT', '27018')}/?directConnection=true")
    client = AsyncMongoClient(url)
    print(f"{'shape':<28} {'saves/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    try:
        for shape, label in (("bare", "bare update (baseline)"), ("in-document", "in-document outbox"),
                             ("transaction", "outbox collection + txn")):
            began = time.perf_counter()
            latencies = await run(shape, client, saves, concurrency)
            elapsed = time.perf_counter() - began
            cuts = statistics.quantiles(latencies, n=100)
            print(f"{label:<28} {len(latencies) / elapsed:>9.0f} {cuts[49] * 1000:>8.2f} {cuts[98] * 1000:>8.2f}")
    finally:
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.saves, arguments.concurrency))
