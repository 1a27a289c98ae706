"""Each service starts with the production overlay's settings: no development default left unset.

The settings of every service refuse development-only values outside development; this builds the
prod overlay, collects each Deployment's environment (ConfigMaps, literal values, and a stand-in for
each secret the cluster provides) and constructs the service's Settings from it."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
PACKAGES = {
    "access-control": "access_control", "factory-registry": "factory_registry", "audit-service": "audit_service",
    "cap-service": "cap_service", "evidence-store": "evidence_store", "notifier": "notifier", "portal": "portal",
}
SECRET_STAND_IN = "a-real-secret-from-the-cluster-0123456789abcdef"  # pragma: allowlist secret


def _prod_resources() -> list[dict]:
    spec = importlib.util.spec_from_file_location("k8s_validate", K8S / "validate.py")
    validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validate)
    built = subprocess.run([str(validate.tool("kustomize")), "build", str(K8S / "overlays" / "prod")],
                           capture_output=True, text=True, check=True)
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


@pytest.fixture(scope="module")
def prod() -> list[dict]:
    return _prod_resources()


def _environment(deployment: dict, config_maps: dict[str, dict]) -> dict[str, str]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update({k: str(v) for k, v in config_maps[source["configMapRef"]["name"]].get("data", {}).items()})
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = str(variable["value"])
        elif "secretKeyRef" in variable.get("valueFrom", {}):
            env[variable["name"]] = SECRET_STAND_IN
        elif "configMapKeyRef" in variable.get("valueFrom", {}):
            ref = variable["valueFrom"]["configMapKeyRef"]
            env[variable["name"]] = str(config_maps[ref["name"]]["data"][ref["key"]])
    return env


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_the_prod_overlay_gives_each_service_settings_it_accepts(service: str, prod: list[dict],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config_maps = {r["metadata"]["name"]: r for r in prod if r["kind"] == "ConfigMap"}
    deployment = next(r for r in prod if r["kind"] == "Deployment" and r["metadata"]["name"] == service)
    env = _environment(deployment, config_maps)
    assert env.get("ENVIRONMENT", env.get("PORTAL_ENVIRONMENT")) == "production", env
    settings_type = importlib.import_module(f"{PACKAGES[service]}.config").Settings
    prefix = str(settings_type.model_config.get("env_prefix") or "").upper()
    for name in settings_type.model_fields:  # nothing from this machine's environment
        monkeypatch.delenv(prefix + name.upper(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = settings_type()
    assert settings.environment == "production"
    assert settings.unsafe_development_values() == [] if hasattr(settings, "unsafe_development_values") else True
