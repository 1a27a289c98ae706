"""Ed25519 signing keys kept in the service's database, published as a JWKS.

The lifecycle (when a key signs, when it is retired) is decided in
``domain.signing_keys``; this module does the cryptography and the storage.
Private halves are stored sealed with the service's key-encryption key
(``adapters.key_encryption``), never as clear PEM; a database from before keeps
working: ``ensure_key`` seals its plain keys at start. Retired keys lose their
private half.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo.asynchronous.collection import AsyncCollection

from access_control.adapters.key_encryption import KeyEncryption
from access_control.domain.signing_keys import KeyLifecycle, rotation, signing_key

PLAIN_FIELD = "private_pem"  # how keys were stored before encryption at rest
SEALED_FIELD = "private_key_sealed"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    def __init__(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        self.kid = kid
        self.private_key = private_key

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or uuid.uuid4().hex, Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: str) -> SigningKey:
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ValueError(f"signing key {kid} is not an Ed25519 key")
        return cls(kid, private_key)

    def public_jwk(self) -> dict[str, str]:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


class NoSigningKeyError(RuntimeError):
    pass


def _lifecycle(document: dict) -> KeyLifecycle:
    created_at = document["created_at"]
    # Keys made before rotation existed have no activation time: they signed from creation.
    return KeyLifecycle(document["_id"], created_at, document.get("activates_at") or created_at,
                        document.get("retire_after"))


class MongoSigningKeys:
    def __init__(self, collection: AsyncCollection, encryption: KeyEncryption) -> None:
        self._collection = collection
        self._encryption = encryption
        self._parsed: dict[str, SigningKey] = {}

    async def ensure_key(self, now: datetime) -> None:
        """Make the first key on a new platform; later starts find it (and drop expired keys' private halves).

        Keys stored in clear (before encryption at rest) or sealed with a previous
        key-encryption key are sealed again with the current one.
        """
        await self._retire_expired(now)
        await self._seal_again()
        if await self._collection.find_one({"retired": {"$ne": True}}, {"_id": 1}) is None:
            await self._insert(SigningKey.generate(), KeyLifecycle("", now, now))

    async def _seal_again(self) -> None:
        cursor = self._collection.find({"retired": {"$ne": True}}, {PLAIN_FIELD: 1, SEALED_FIELD: 1})
        async for document in cursor:
            kid, sealed = document["_id"], document.get(SEALED_FIELD)
            if PLAIN_FIELD in document:
                pem = document[PLAIN_FIELD]
            elif sealed is not None and not self._encryption.is_current(sealed):
                pem = self._encryption.open(kid, sealed)
            else:
                continue
            # Several instances may do this at once: each writes a valid sealing of the same key.
            await self._collection.update_one(
                {"_id": kid}, {"$set": {SEALED_FIELD: self._encryption.seal(kid, pem)}, "$unset": {PLAIN_FIELD: ""}}
            )

    def _private_key(self, document: dict) -> SigningKey:
        kid = document["_id"]
        if SEALED_FIELD in document:
            return SigningKey.from_pem(kid, self._encryption.open(kid, document[SEALED_FIELD]))
        return SigningKey.from_pem(kid, document[PLAIN_FIELD])  # written by an instance not yet upgraded

    async def _insert(self, key: SigningKey, lifecycle: KeyLifecycle) -> None:
        await self._collection.insert_one(
            {"_id": key.kid, SEALED_FIELD: self._encryption.seal(key.kid, key.private_pem()),
             "public_jwk": key.public_jwk(),
             "created_at": lifecycle.created_at, "activates_at": lifecycle.activates_at,
             "retire_after": lifecycle.retire_after, "retired": False}
        )
        self._parsed[key.kid] = key

    async def _documents(self) -> list[dict]:
        return [document async for document in self._collection.find({"retired": {"$ne": True}})]

    async def lifecycles(self) -> list[KeyLifecycle]:
        return [_lifecycle(document) for document in await self._documents()]

    async def signer(self, now: datetime) -> SigningKey:
        """The key that signs now (read on every issue, so every instance follows a rotation)."""
        documents = {document["_id"]: document for document in await self._documents()}
        current = signing_key([_lifecycle(document) for document in documents.values()], now)
        if current is None:
            raise NoSigningKeyError("no signing key is active")
        if current.kid not in self._parsed:
            self._parsed[current.kid] = self._private_key(documents[current.kid])
        return self._parsed[current.kid]

    async def rotate(self, now: datetime, activation_delay: timedelta, token_lifetime: timedelta) -> KeyLifecycle:
        await self._retire_expired(now)
        key = SigningKey.generate()
        existing = await self.lifecycles()
        new_key = rotation(existing, key.kid, now, activation_delay, token_lifetime)
        await self._insert(key, new_key)
        for superseded in existing:
            await self._collection.update_one(
                {"_id": superseded.kid, "retire_after": None}, {"$set": {"retire_after": superseded.retire_after}}
            )
        return new_key

    async def _retire_expired(self, now: datetime) -> None:
        for lifecycle in await self.lifecycles():
            if not lifecycle.published(now):
                await self._collection.update_one(
                    {"_id": lifecycle.kid}, {"$set": {"retired": True}, "$unset": {PLAIN_FIELD: "", SEALED_FIELD: ""}}
                )
                self._parsed.pop(lifecycle.kid, None)

    async def jwks(self, now: datetime) -> dict[str, list[dict[str, str]]]:
        published = {lifecycle.kid for lifecycle in await self.lifecycles() if lifecycle.published(now)}
        cursor = self._collection.find({"retired": {"$ne": True}}, {"public_jwk": 1})
        return {"keys": [document["public_jwk"] async for document in cursor if document["_id"] in published]}
