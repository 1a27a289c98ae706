"""Key rotation without downtime: publish first, sign later, retire once the old tokens expired."""

import jwt
import pytest

from access_control.service_layer.keys import KeyRotation
from access_control.service_layer.tokens import TokenIssuer
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import member, operator

from .fakes import InMemorySigningKeys

CLAIMS = dict(subject="client-1", subject_type="client", organisation_id="m-1", organisation_kind="member",
              roles=["admin"])


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def test_only_the_operator_rotates(rotation: KeyRotation) -> None:
    with pytest.raises(PermissionDeniedError):
        await rotation.rotate(member("m-1"))


async def test_a_new_key_is_published_before_it_signs(
    rotation: KeyRotation, tokens: TokenIssuer, keys: InMemorySigningKeys, clock, decode
) -> None:
    old_token = (await tokens.issue(**CLAIMS)).access_token
    new_key = await rotation.rotate(operator())

    published = {jwk["kid"] for jwk in (await rotation.jwks())["keys"]}
    assert published == {kid_of(old_token), new_key.kid}
    # Until the activation delay passed, the old key keeps signing (verifiers may not know the new one yet).
    assert kid_of((await tokens.issue(**CLAIMS)).access_token) == kid_of(old_token)

    clock.advance(seconds=12)
    new_token = (await tokens.issue(**CLAIMS)).access_token
    assert kid_of(new_token) == new_key.kid
    assert (await decode(new_token))["sub"] == "client-1"
    assert (await decode(old_token))["sub"] == "client-1"  # the old token still verifies


async def test_the_old_key_is_retired_once_its_last_token_expired(
    rotation: KeyRotation, tokens: TokenIssuer, clock, decode
) -> None:
    old_kid = kid_of((await tokens.issue(**CLAIMS)).access_token)
    new_key = await rotation.rotate(operator())
    clock.advance(seconds=11)
    last_old_token = (await tokens.issue(**CLAIMS)).access_token  # the last the old key signs
    assert kid_of(last_old_token) == old_kid

    # 12 s activation delay + 60 s token lifetime + 60 s leeway after the rotation.
    clock.advance(seconds=12 + 60 + 60 - 11 - 1)
    assert await decode(last_old_token)
    clock.advance(seconds=1)
    assert {jwk["kid"] for jwk in (await rotation.jwks())["keys"]} == {new_key.kid}
    with pytest.raises(LookupError):
        await decode(last_old_token)


async def test_rotating_twice_keeps_every_key_until_its_tokens_expired(rotation: KeyRotation, clock) -> None:
    first = (await rotation.key_lifecycles(operator()))[0]
    second = await rotation.rotate(operator())
    clock.advance(seconds=30)
    third = await rotation.rotate(operator())
    lifecycles = {key.kid: key for key in await rotation.key_lifecycles(operator())}
    assert lifecycles.keys() == {first.kid, second.kid, third.kid}
    assert lifecycles[third.kid].retire_after is None
    assert lifecycles[second.kid].retire_after == third.activates_at + rotation.token_lifetime
