"""Ed25519 signing keys kept in the service's database, published as a JWKS.

Every key ever made stays in the JWKS until it is retired, so rotating keeps
old tokens verifiable until they expire.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo.asynchronous.collection import AsyncCollection


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    def __init__(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        self.kid = kid
        self.private_key = private_key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(uuid.uuid4().hex, Ed25519PrivateKey.generate())

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


class MongoSigningKeys:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection
        self._active: SigningKey | None = None

    async def ensure_active_key(self) -> None:
        """Load the newest active key, making one on the very first start."""
        document = await self._collection.find_one({"active": True}, sort=[("created_at", -1)])
        if document is None:
            key = SigningKey.generate()
            await self._collection.insert_one(
                {"_id": key.kid, "private_pem": key.private_pem(), "public_jwk": key.public_jwk(),
                 "active": True, "created_at": datetime.now(UTC)}
            )
            self._active = key
            return
        private_key = serialization.load_pem_private_key(document["private_pem"].encode(), password=None)
        assert isinstance(private_key, Ed25519PrivateKey)
        self._active = SigningKey(document["_id"], private_key)

    def active(self) -> SigningKey:
        if self._active is None:
            raise RuntimeError("signing keys not loaded; ensure_active_key() runs at start")
        return self._active

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        cursor = self._collection.find({"retired": {"$ne": True}}, {"public_jwk": 1})
        return {"keys": [document["public_jwk"] async for document in cursor]}
