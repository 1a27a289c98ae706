"""E-mail recipients registered by members and factories, with their preference and language."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from notifier.domain.channels import Preference, Recipient


def recipient_id(member_id: str, email: str) -> str:
    return f"{member_id}:{email.lower()}"


class MongoRecipients:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("member_id", 1)])
        await self._collection.create_index([("preference", 1)])
        await self._collection.create_index([("factory_id", 1)], sparse=True)
        await self._collection.create_index([("audit_company_id", 1)], sparse=True)

    async def put(self, recipient: Recipient) -> None:
        await self._collection.update_one(
            {"_id": recipient_id(recipient.member_id, recipient.email)},
            {"$set": recipient.model_dump(mode="json", exclude={"last_digest_on"})},
            upsert=True,
        )

    async def of_member(self, member_id: str) -> list[Recipient]:
        cursor = self._collection.find({"member_id": member_id}, {"_id": 0}).sort("email", 1)
        return [Recipient.model_validate(document) async for document in cursor]

    async def of_factory(self, factory_id: str) -> list[Recipient]:
        cursor = self._collection.find({"factory_id": factory_id}, {"_id": 0}).sort("email", 1)
        return [Recipient.model_validate(document) async for document in cursor]

    async def of_audit_company(self, audit_company_id: str) -> list[Recipient]:
        cursor = self._collection.find({"audit_company_id": audit_company_id}, {"_id": 0}).sort("email", 1)
        return [Recipient.model_validate(document) async for document in cursor]

    async def wanting_digest(self) -> list[Recipient]:
        cursor = self._collection.find({"preference": Preference.DAILY_DIGEST.value}, {"_id": 0})
        return [Recipient.model_validate(document) async for document in cursor]

    async def digest_sent(self, recipient: Recipient, on: str) -> None:
        await self._collection.update_one(
            {"_id": recipient_id(recipient.member_id, recipient.email)}, {"$set": {"last_digest_on": on}}
        )
