"""CAPs saved by an older cap-service brought up to date at start, in the database itself.

Each runs once per start, before the service takes requests or events; afterwards it finds none.
"""

from __future__ import annotations

from datetime import datetime

from cap_service.domain.model import Cap
from shared_audits.errors import ConflictError
from shared_audits.store import MongoAggregateStore


async def backfill_next_overdue_deadline(caps: MongoAggregateStore[Cap]) -> int:
    """Give CAPs saved before ``next_overdue_deadline`` existed that field (once; then none is found)."""
    missing = [document["_id"] async for document in
               caps.collection.find({"next_overdue_deadline": {"$exists": False}}, {"_id": 1})]
    for cap_id in missing:
        cap = await caps.get(cap_id)
        if cap is not None:
            try:
                await caps.save(cap)
            except ConflictError:
                pass  # saved meanwhile, with the field
    return len(missing)


async def start_records(caps: MongoAggregateStore[Cap], now: datetime) -> int:
    """Give CAPs saved before records existed a record, starting with a snapshot of their history.

    Their decisions and follow-up outcomes were kept in the items then; the snapshot
    carries them into the record, from which they are read from now on. Run at start,
    before the service takes requests or events; afterwards none is found.
    """
    started = 0
    async for document in caps.collection.find({"history": {"$exists": False}}, {"items": 1}):
        earlier = {item["item_id"]: {"decisions": item.get("decisions", []), "follow_ups": item.get("follow_ups", [])}
                   for item in document.get("items", [])}
        cap = await caps.get(document["_id"])
        if cap is None or not cap.start_record(earlier, now):
            continue
        try:
            await caps.save(cap)
            started += 1
        except ConflictError:
            pass  # another instance started it meanwhile
    return started
