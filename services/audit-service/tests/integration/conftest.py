"""A fresh database per test on the stack's MongoDB-protocol server, dropped afterwards."""

import uuid

import pytest
from pymongo import AsyncMongoClient

from tests.integration.stack import Stack


@pytest.fixture
async def database(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    name = f"audit_tests_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()
