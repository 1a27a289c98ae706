"""What the platform relies on from the MongoDB-protocol server the project starts.

Locally that is SecantusDB, in tests with testcontainers a real MongoDB. The bulk
update below once hung the previous local engine (docs/proof.md, finding 10).
"""

import asyncio
import uuid

import pytest
from pymongo import AsyncMongoClient, UpdateOne

from tests.integration.stack import Stack

pytestmark = pytest.mark.integration

# More matching updates in one command than a server's connection pool might hold.
UPDATES = 250


@pytest.fixture
async def database(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    name = f"server_tests_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_a_bulk_write_of_more_updates_than_pooled_connections_completes_and_the_database_answers_after(
    database,
) -> None:
    documents = database["documents"]
    await documents.insert_many([{"_id": f"d{n}", "count": 0} for n in range(UPDATES)])

    # Each update matches a document: unfixed, each kept its query's connection until the
    # command ended, and the 101st waited forever (and so did every later client).
    result = await asyncio.wait_for(
        documents.bulk_write([UpdateOne({"_id": f"d{n}"}, {"$inc": {"count": 1}}) for n in range(UPDATES)],
                             ordered=False),
        timeout=30,
    )

    assert result.matched_count == UPDATES
    assert result.modified_count == UPDATES
    counted = await asyncio.wait_for(documents.count_documents({"count": 1}), timeout=30)
    assert counted == UPDATES
