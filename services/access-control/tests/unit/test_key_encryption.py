"""The signing keys' private halves are sealed with the key-encryption key from the settings."""

import pytest
from pydantic import ValidationError

from access_control.adapters.key_encryption import KeyDecryptionError, KeyEncryption
from access_control.adapters.signing_keys import SigningKey
from access_control.config import Settings

KEK = "a-random-key-encryption-key-of-at-least-32-chars"
OLD_KEK = "the-previous-key-encryption-key-of-32-chars-or-more"


def test_a_sealed_key_holds_no_pem_and_opens_to_the_same_key() -> None:
    key = SigningKey.generate()
    sealed = KeyEncryption(KEK).seal(key.kid, key.private_pem())
    assert "PRIVATE KEY" not in str(sealed) and sealed["alg"] == "A256GCM"
    assert KeyEncryption(KEK).open(key.kid, sealed) == key.private_pem()


def test_two_sealings_of_one_key_differ() -> None:
    key = SigningKey.generate()
    encryption = KeyEncryption(KEK)
    assert encryption.seal(key.kid, key.private_pem()) != encryption.seal(key.kid, key.private_pem())


def test_another_kek_or_another_key_id_or_altered_data_do_not_open() -> None:
    key = SigningKey.generate()
    sealed = KeyEncryption(KEK).seal(key.kid, key.private_pem())
    with pytest.raises(KeyDecryptionError):
        KeyEncryption(OLD_KEK).open(key.kid, sealed)
    with pytest.raises(KeyDecryptionError):
        KeyEncryption(KEK).open("another-kid", sealed)
    flipped = sealed["ciphertext"][:-4] + ("AAAA" if not sealed["ciphertext"].endswith("AAAA") else "BBBB")
    with pytest.raises(KeyDecryptionError):
        KeyEncryption(KEK).open(key.kid, {**sealed, "ciphertext": flipped})


def test_after_a_kek_rotation_old_sealings_open_and_are_not_current() -> None:
    key = SigningKey.generate()
    sealed = KeyEncryption(OLD_KEK).seal(key.kid, key.private_pem())
    rotated = KeyEncryption(KEK, [OLD_KEK])
    assert rotated.open(key.kid, sealed) == key.private_pem()
    assert not rotated.is_current(sealed)
    assert rotated.is_current(rotated.seal(key.kid, key.private_pem()))


def test_production_refuses_the_development_kek_and_a_short_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("OPERATOR_CLIENT_SECRET", "a-real-operator-secret-from-the-vault")
    with pytest.raises(ValidationError, match="SIGNING_KEY_ENCRYPTION_KEY"):
        Settings()
    monkeypatch.setenv("SIGNING_KEY_ENCRYPTION_KEY", "too-short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()
    monkeypatch.setenv("SIGNING_KEY_ENCRYPTION_KEY", KEK)
    assert Settings().signing_key_encryption_key == KEK
