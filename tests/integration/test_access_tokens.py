"""Bad tokens are refused with a 401 problem body, by access-control and by another service alike.

The bad tokens are built here with PyJWT and cryptography. Those that need a
real signature (expired, not yet valid, wrong audience or issuer) are signed
with a published key read from access-control's own database (opened with its
key-encryption key), since only a valid signature isolates the one defect under
test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import MongoClient

from access_control.adapters.key_encryption import KeyEncryption
from access_control.adapters.signing_keys import SEALED_FIELD
from access_control.config import DEVELOPMENT_KEY_ENCRYPTION_KEY
from tests.integration.access_api import Gateway
from tests.integration.stack import Stack

ISSUER = "shared-audits-access-control"
AUDIENCE = "shared-audits"
# One path of access-control and one of another service, both needing a token.
PROTECTED = ["/access/organisations/me", "/registry/factories"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Forge:
    """Everything needed to build tokens that differ from a good one in exactly one way."""

    def __init__(self, stack: Stack, gateway: Gateway) -> None:
        operator = gateway.operator_token()
        self.member = gateway.register(operator, "member")
        self.good_token = gateway.client_token(self.member["client_id"], self.member["client_secret"])
        self.kid, self.private_key = self._published_key(stack)
        jwk = next(key for key in gateway.ok("GET", "/access/.well-known/jwks.json")["keys"] if key["kid"] == self.kid)
        self.public_key = jwt.PyJWK(jwk).key

    @staticmethod
    def _published_key(stack: Stack) -> tuple[str, Ed25519PrivateKey]:
        encryption = KeyEncryption(os.environ.get("SIGNING_KEY_ENCRYPTION_KEY", DEVELOPMENT_KEY_ENCRYPTION_KEY))
        with MongoClient(stack.mongo_url, tz_aware=True, serverSelectionTimeoutMS=5000) as mongo:
            now = datetime.now(UTC)
            for document in mongo["access_control"]["signing_keys"].find({"retired": {"$ne": True}}):
                retire_after = document.get("retire_after")
                if document.get(SEALED_FIELD) and (retire_after is None or retire_after > now):
                    pem = encryption.open(document["_id"], document[SEALED_FIELD])
                    key = serialization.load_pem_private_key(pem.encode(), password=None)
                    assert isinstance(key, Ed25519PrivateKey)
                    return document["_id"], key
        raise AssertionError("no published signing key in access-control's database")

    def claims(self, **changes: object) -> dict:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": self.member["client_id"], "sub_type": "client",
                  "org": self.member["organisation_id"], "org_kind": "member", "roles": ["admin"],
                  "iat": now, "nbf": now, "exp": now + 300, "jti": uuid.uuid4().hex}
        claims.update(changes)
        return claims

    def signed(self, **changes: object) -> str:
        return jwt.encode(self.claims(**changes), self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


def expired(forge: Forge) -> str:
    now = int(time.time())
    return forge.signed(iat=now - 1200, nbf=now - 1200, exp=now - 300)


def not_yet_valid(forge: Forge) -> str:
    now = int(time.time())
    return forge.signed(nbf=now + 600, exp=now + 900)


def wrong_audience(forge: Forge) -> str:
    return forge.signed(aud="another-platform")


def wrong_issuer(forge: Forge) -> str:
    return forge.signed(iss="https://impostor.example.org")


def unknown_key(forge: Forge) -> str:
    stranger = Ed25519PrivateKey.generate()
    return jwt.encode(forge.claims(), stranger, algorithm="EdDSA", headers={"kid": uuid.uuid4().hex})


def known_kid_foreign_key(forge: Forge) -> str:
    stranger = Ed25519PrivateKey.generate()
    return jwt.encode(forge.claims(), stranger, algorithm="EdDSA", headers={"kid": forge.kid})


def algorithm_none(forge: Forge) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": forge.kid}).encode())
    payload = b64url(json.dumps(forge.claims(org_kind="operator", roles=["operator"])).encode())
    return f"{header}.{payload}."


def tampered_claims(forge: Forge) -> str:
    """A genuine token whose payload is changed to claim the operator's powers, signature kept."""
    header, _, signature = forge.good_token.split(".")
    claims = jwt.decode(forge.good_token, options={"verify_signature": False})
    claims.update(org_kind="operator", roles=["operator"])
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def hs256_with_public_key_as_secret(forge: Forge) -> str:
    """The key-confusion attack: HMAC keyed with the public key (PEM), which an attacker knows."""
    secret = forge.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": forge.kid}).encode())
    payload = b64url(json.dumps(forge.claims()).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def malformed(forge: Forge) -> str:
    return "not-a-jwt"


# Each bad token, and the words of the reason it must be refused for (not some other defect).
BAD_TOKENS: dict[Callable[[Forge], str], str] = {
    expired: "expired",
    not_yet_valid: "not yet valid",
    wrong_audience: "Audience",
    wrong_issuer: "issuer",
    unknown_key: "unknown key",
    known_kid_foreign_key: "Signature verification failed",
    algorithm_none: "algorithm",
    tampered_claims: "Signature verification failed",
    hs256_with_public_key_as_secret: "algorithm",  # pragma: allowlist secret
    malformed: "malformed",
}


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[Gateway]:
    gateway = Gateway(stack)
    yield gateway
    gateway.close()


@pytest.fixture(scope="module")
def forge(stack: Stack, gateway: Gateway) -> Forge:
    return Forge(stack, gateway)


@pytest.mark.parametrize("path", PROTECTED)
def test_the_genuine_token_and_a_correctly_forged_one_are_accepted(forge: Forge, gateway: Gateway, path: str) -> None:
    # The control: the builder's only defect in each case below is the one the test names.
    for token in (forge.good_token, forge.signed()):
        assert gateway.call("GET", path, token).status_code == 200


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("build", list(BAD_TOKENS), ids=[build.__name__ for build in BAD_TOKENS])
def test_a_bad_token_is_refused_with_a_problem_body(
    forge: Forge, gateway: Gateway, build: Callable[[Forge], str], path: str
) -> None:
    response = gateway.call("GET", path, build(forge))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    problem = response.json()
    assert problem["status"] == 401 and problem["title"] == "Authentication required"
    assert BAD_TOKENS[build] in problem["detail"]


@pytest.mark.parametrize("path", PROTECTED)
def test_no_token_is_refused(gateway: Gateway, path: str) -> None:
    response = gateway.call("GET", path)
    assert response.status_code == 401 and response.json()["status"] == 401


def test_the_signing_keys_in_access_controls_database_hold_no_private_key_in_clear(stack: Stack) -> None:
    with MongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        documents = list(mongo["access_control"]["signing_keys"].find({"retired": {"$ne": True}}))
    assert documents
    for document in documents:
        assert "PRIVATE KEY" not in str(document) and "private_pem" not in document
        assert document[SEALED_FIELD]["alg"] == "A256GCM"
