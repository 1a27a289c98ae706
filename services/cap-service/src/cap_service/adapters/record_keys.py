"""The Ed25519 keys that sign record checkpoints, kept in cap-service's database.

One key signs at a time: the newest not retired. A rotation adds a key and
retires the others: their private halves are erased, their public halves stay
published for ever (``published``), so every checkpoint they signed still
verifies. Private halves are stored sealed with the service's key-encryption key
(``adapters.key_encryption``), never in clear.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pymongo.asynchronous.collection import AsyncCollection

from cap_service.adapters.key_encryption import KeyEncryption

SEALED_FIELD = "private_key_sealed"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class RecordSigningKey:
    def __init__(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        self.kid = kid
        self.private_key = private_key

    @classmethod
    def generate(cls) -> RecordSigningKey:
        return cls(f"record-{uuid.uuid4().hex}", Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: str) -> RecordSigningKey:
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ValueError(f"record key {kid} is not an Ed25519 key")
        return cls(kid, private_key)

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def public_jwk(self) -> dict[str, str]:
        raw = self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def sign(self, message: bytes) -> str:
        """The base64url (unpadded) Ed25519 signature of ``message``."""
        return b64url(self.private_key.sign(message))


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_signature(public_jwk: dict[str, Any], message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64url) is the Ed25519 signature of ``message`` by the JWK's key."""
    if public_jwk.get("kty") != "OKP" or public_jwk.get("crv") != "Ed25519":
        return False
    try:
        Ed25519PublicKey.from_public_bytes(_unb64url(public_jwk["x"])).verify(_unb64url(signature), message)
    except (InvalidSignature, ValueError, KeyError):
        return False
    return True


def _published(document: dict[str, Any]) -> dict[str, Any]:
    retired_at = document.get("retired_at")
    return {**document["public_jwk"], "created_at": document["created_at"].isoformat(),
            "retired_at": retired_at.isoformat() if retired_at else None}


class MongoRecordKeys:
    def __init__(self, collection: AsyncCollection, encryption: KeyEncryption) -> None:
        self._collection = collection
        self._encryption = encryption
        self._parsed: dict[str, RecordSigningKey] = {}

    async def ensure_key(self, now: datetime) -> None:
        """Make the first key of a new platform, and seal again keys sealed with a previous KEK.

        Two instances starting at once may both make one; the newer signs, both stay published.
        """
        async for document in self._collection.find({"retired_at": None, SEALED_FIELD: {"$exists": True}}):
            if not self._encryption.is_current(document[SEALED_FIELD]):
                pem = self._encryption.open(document["_id"], document[SEALED_FIELD])
                await self._collection.update_one(
                    {"_id": document["_id"]}, {"$set": {SEALED_FIELD: self._encryption.seal(document["_id"], pem)}})
        if await self._collection.find_one({"retired_at": None}, {"_id": 1}) is None:
            await self._insert(RecordSigningKey.generate(), now)

    async def _insert(self, key: RecordSigningKey, now: datetime) -> None:
        await self._collection.insert_one({
            "_id": key.kid, "public_jwk": key.public_jwk(), "created_at": now, "retired_at": None,
            SEALED_FIELD: self._encryption.seal(key.kid, key.private_pem()),
        })
        self._parsed[key.kid] = key

    async def signer(self) -> RecordSigningKey:
        """The key that signs now: the newest not retired (read each time, so every instance follows a rotation)."""
        current = await self._collection.find_one({"retired_at": None}, sort=[("created_at", -1), ("_id", -1)])
        if current is None:
            raise RuntimeError("no record signing key: ensure_key runs at start")
        kid = current["_id"]
        if kid not in self._parsed:
            self._parsed[kid] = RecordSigningKey.from_pem(kid, self._encryption.open(kid, current[SEALED_FIELD]))
        return self._parsed[kid]

    async def rotate(self, now: datetime) -> dict[str, Any]:
        """A new key signs from now on; the others are retired: private halves erased, public halves kept."""
        key = RecordSigningKey.generate()
        await self._insert(key, now)
        await self._collection.update_many(
            {"_id": {"$ne": key.kid}, "retired_at": None}, {"$set": {"retired_at": now}, "$unset": {SEALED_FIELD: ""}})
        self._parsed = {key.kid: key}
        return _published(await self._collection.find_one({"_id": key.kid}))

    async def published(self) -> list[dict[str, Any]]:
        """Every public key that ever signed, oldest first, with when it was made and retired."""
        cursor = self._collection.find({}, {SEALED_FIELD: 0}).sort([("created_at", 1), ("_id", 1)])
        return [_published(document) async for document in cursor]
