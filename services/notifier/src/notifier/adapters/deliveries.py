"""The delivery log: one document per channel, target and event, claimed by the dispatcher when due."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from notifier.domain.channels import Channel, Delivery, DeliveryStatus


class MongoDeliveries:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("status", 1), ("next_attempt_at", 1)])
        await self._collection.create_index([("member_id", 1), ("created_at", -1)])
        await self._collection.create_index([("target", 1), ("status", 1)])

    async def enqueue_many(self, deliveries: list[Delivery]) -> None:
        """Add deliveries unless they exist, in one write: a redelivered event never sends twice."""
        await self._collection.bulk_write(
            [UpdateOne({"_id": delivery.delivery_id},
                       {"$setOnInsert": delivery.model_dump(exclude={"delivery_id"})}, upsert=True)
             for delivery in deliveries],
            ordered=False,
        )

    async def drop_pending(self, channel: Channel, target: str, reason: str) -> int:
        """Give up on every delivery to a target still waiting (its webhook was deleted); returns how many."""
        result = await self._collection.update_many(
            {"target": target, "status": DeliveryStatus.PENDING.value, "channel": channel.value},
            {"$set": {"status": DeliveryStatus.DROPPED.value, "last_error": reason}},
        )
        return result.modified_count

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        """Take due deliveries; the lease keeps another instance off them while they are sent."""
        claimed = []
        for _ in range(limit):
            document = await self._collection.find_one_and_update(
                {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
                {"$set": {"next_attempt_at": now + lease}},
                sort=[("next_attempt_at", 1)],
                return_document=ReturnDocument.AFTER,
            )
            if document is None:
                break
            claimed.append(_delivery(document))
        return claimed

    async def update(self, delivery: Delivery) -> None:
        document = delivery.model_dump()
        document.pop("delivery_id")
        await self._collection.update_one({"_id": delivery.delivery_id}, {"$set": document})

    async def of_member(self, member_id: str, limit: int, after: str | None = None) -> list[Delivery]:
        """Newest first (ties by id); ``after``: the delivery id of the previous page's last entry."""
        query: dict = {"member_id": member_id}
        if after is not None:
            last = await self._collection.find_one({"_id": after, "member_id": member_id}, {"created_at": 1})
            if last is None:
                return []
            query["$or"] = [{"created_at": {"$lt": last["created_at"]}},
                            {"created_at": last["created_at"], "_id": {"$lt": after}}]
        cursor = self._collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [_delivery(document) async for document in cursor]

    async def digest_of(self, email: str) -> list[Delivery]:
        cursor = self._collection.find({"target": email, "status": DeliveryStatus.DIGEST.value}).sort("created_at", 1)
        return [_delivery(document) async for document in cursor]


def _delivery(document: dict) -> Delivery:
    document = dict(document)
    document["delivery_id"] = document.pop("_id")
    return Delivery.model_validate(document)
