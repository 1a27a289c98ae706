"""Signing keys in the real MongoDB-protocol server hold no private key in clear; plain ones are sealed at start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pymongo import AsyncMongoClient

from access_control.adapters.key_encryption import KeyEncryption
from access_control.adapters.signing_keys import MongoSigningKeys, SigningKey
from tests.integration.stack import Stack

KEK = "integration-key-encryption-key-of-32-chars-or-more"
NEW_KEK = "integration-rotated-key-encryption-key-32-chars"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def collection(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000, tz_aware=True)
    collection = client["access_control_tests"][f"signing_keys_{uuid.uuid4().hex[:8]}"]
    yield collection
    await collection.drop()
    await client.close()


def _in_clear(document: dict) -> bool:
    return "PRIVATE KEY" in str(document)


async def _verifies(keys: MongoSigningKeys) -> None:
    signer = await keys.signer(NOW)
    token = signer.sign({"sub": "someone"})
    published = {jwk["kid"]: jwk for jwk in (await keys.jwks(NOW))["keys"]}
    assert jwt.decode(token, jwt.PyJWK(published[signer.kid]).key, algorithms=["EdDSA"])["sub"] == "someone"


async def test_a_new_key_and_a_rotated_key_are_stored_sealed(collection) -> None:
    keys = MongoSigningKeys(collection, KeyEncryption(KEK))
    await keys.ensure_key(NOW)
    await keys.rotate(NOW, timedelta(seconds=0), timedelta(minutes=15))

    documents = [document async for document in collection.find({})]
    assert len(documents) == 2
    assert not any(_in_clear(document) for document in documents)
    await _verifies(MongoSigningKeys(collection, KeyEncryption(KEK)))  # another instance opens them


async def test_a_plain_key_from_before_keeps_signing_and_is_sealed_at_start(collection) -> None:
    old = SigningKey.generate()
    await collection.insert_one({"_id": old.kid, "private_pem": old.private_pem(), "public_jwk": old.public_jwk(),
                                 "created_at": NOW, "activates_at": NOW, "retire_after": None, "retired": False})
    keys = MongoSigningKeys(collection, KeyEncryption(KEK))

    await keys.ensure_key(NOW)

    [document] = [document async for document in collection.find({})]
    assert document["_id"] == old.kid and not _in_clear(document)
    assert (await keys.signer(NOW)).public_jwk() == old.public_jwk()
    await _verifies(MongoSigningKeys(collection, KeyEncryption(KEK)))


async def test_a_kek_rotation_reseals_at_start_and_the_old_kek_is_then_not_needed(collection) -> None:
    await MongoSigningKeys(collection, KeyEncryption(KEK)).ensure_key(NOW)

    await MongoSigningKeys(collection, KeyEncryption(NEW_KEK, [KEK])).ensure_key(NOW)

    await _verifies(MongoSigningKeys(collection, KeyEncryption(NEW_KEK)))
