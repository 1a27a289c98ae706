"""MongoDB access through PyMongo's async API (MongoDB, and SecantusDB locally)."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared_audits.settings import ServiceSettings


def build_mongo_client(settings: ServiceSettings) -> AsyncMongoClient:
    """One client per process; it pools connections itself."""
    return AsyncMongoClient(
        settings.mongo_url,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        tz_aware=True,
        uuidRepresentation="standard",
    )


async def ping(database: AsyncDatabase) -> None:
    await database.command("ping")
