"""No secret is committed, and production settings refuse every development default."""

import importlib
import re
import subprocess

import pytest
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
from pydantic import ValidationError

from tests.integration.stack import REPO

pytestmark = pytest.mark.security

# Development-only values: public on purpose, refused outside development (tested below).
DEVELOPMENT_VALUES = {"dev-operator-secret-change-me", "devsecret-change-me", "devaccess",
                      "dev-signing-key-encryption-key-change-me", "dev-portal-session-secret-change-me"}
# Fixed values of unit-test fakes (a plain hasher's "new secret").
TEST_FAKE_VALUES = {"secret-1"}
SERVICES = {
    "access-control": "access_control", "factory-registry": "factory_registry", "audit-service": "audit_service",
    "cap-service": "cap_service", "evidence-store": "evidence_store", "notifier": "notifier", "portal": "portal",
}
SECRET_SETTING = re.compile(r"secret|password|private|token_key|encryption_key", re.IGNORECASE)


def _tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    # docs/asyncapi is generated from the contracts, which are scanned themselves.
    return [name for name in listed.decode().split("\0") if name and not name.startswith("docs/asyncapi/")]


def test_no_private_key_or_token_is_committed() -> None:
    files = _tracked_files()
    assert files, "no tracked files found"
    with default_settings():
        found = SecretsCollection(root=str(REPO))
        found.scan_files(*files)
    leaks = [
        f"{filename}:{secret.line_number} {secret.type}"
        for filename, secret in found
        if secret.secret_value not in DEVELOPMENT_VALUES | TEST_FAKE_VALUES
    ]
    assert leaks == []


def test_the_scan_would_catch_a_committed_private_key(tmp_path) -> None:
    leaked = tmp_path / "leak.py"
    leaked.write_text("KEY = '''-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----'''\n")
    with default_settings():
        found = SecretsCollection(root=str(tmp_path))
        found.scan_file(str(leaked))
    assert [secret.type for _, secret in found] == ["Private Key"]


@pytest.mark.parametrize("service", list(SERVICES))
def test_production_settings_refuse_the_development_defaults(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_type = importlib.import_module(f"{SERVICES[service]}.config").Settings
    secret_fields = {name: f for name, f in settings_type.model_fields.items() if SECRET_SETTING.search(name)}
    prefix = str(settings_type.model_config.get("env_prefix") or "").upper()
    for name in settings_type.model_fields:
        monkeypatch.delenv(prefix + name.upper(), raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")
    if not secret_fields:
        settings_type()  # nothing secret to default: production starts with its own servers configured
        return
    defaults = {name: f.default for name, f in secret_fields.items() if f.default}
    assert all(value in DEVELOPMENT_VALUES for value in defaults.values()), "an unknown default secret"
    if not defaults:
        # Secrets without defaults (e.g. Kafka SASL): production names its own. It may still
        # refuse other development-only switches (a test clock, plain-HTTP webhooks).
        try:
            settings_type()
        except ValidationError as error:
            assert "development defaults are not allowed" in str(error)
        return
    with pytest.raises(ValidationError, match="development defaults are not allowed"):
        settings_type()
    for name in defaults:
        monkeypatch.setenv(prefix + name.upper(), f"a-real-{name}-from-the-vault")
    assert settings_type().environment == "production"
