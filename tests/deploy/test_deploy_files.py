"""The deployment files agree with the code: topics, Kafka users, Dockerfiles, the gateway (no cluster needed)."""

from __future__ import annotations

import glob
import importlib.util
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from shared_audits.contracts.topics import DOMAIN_TOPICS, dead_letter_topic

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
SERVICES = sorted(path.parent.name for path in (REPO / "services").glob("*/pyproject.toml"))
# The portal owns no data (its sessions are its users' cookies): no Kafka, no database.
PORTAL = "portal"
KAFKA_SERVICES = [service for service in SERVICES if service != PORTAL]
UNIT_KINDS = {"Deployment", "Service", "ServiceAccount", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_every_topic_in_the_contracts_is_a_kafka_topic_with_its_partition_count() -> None:
    declared = {doc["spec"]["topicName"]: doc["spec"]["partitions"] for doc in _documents(K8S / "base/kafka/topics.yaml")}
    expected = {topic.name: topic.partitions for topic in DOMAIN_TOPICS}
    expected |= {dead_letter_topic(service).name: dead_letter_topic(service).partitions for service in KAFKA_SERVICES}
    assert declared == expected


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_one_deploy_unit_and_a_kafka_user_when_it_uses_kafka(service: str) -> None:
    unit = K8S / "base" / service
    kinds = {doc["kind"] for path in unit.glob("*.yaml") if path.name != "kustomization.yaml" for doc in _documents(path)}
    (deployment,) = _documents(unit / "deployment.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    if service == PORTAL:
        assert kinds == UNIT_KINDS
        assert "shared-audits/kafka-client" not in labels and "shared-audits/mongodb-client" not in labels
        return
    assert kinds == UNIT_KINDS | {"KafkaUser"}
    (user,) = _documents(unit / "kafkauser.yaml")
    writable = {acl["resource"]["name"] for acl in user["spec"]["authorization"]["acls"] if "Write" in acl["operations"]}
    assert dead_letter_topic(service).name in writable


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_built_deployed_and_fenced(service: str) -> None:
    folder = REPO / "services" / service
    assert (folder / "Dockerfile").is_file() and (folder / "Dockerfile.dockerignore").is_file()
    assert (folder / "README.md").is_file()
    (base,) = _documents(K8S / "base/kustomization.yaml")
    assert service in base["resources"]
    (prod,) = _documents(K8S / "overlays/prod/kustomization.yaml")
    assert f"shared-audits/{service}" in {image["name"] for image in prod["images"]}
    policies = {doc["metadata"]["name"] for doc in _documents(K8S / "components/network-policies/policies.yaml")}
    assert service in policies


@pytest.mark.parametrize("service", SERVICES)
def test_every_file_a_service_reads_beside_its_code_is_in_its_package_data(service: str) -> None:
    # The image installs the package (not the source tree): a template, a style sheet, a catalog or
    # a rule file missing from the package data is missing from the image.
    project = tomllib.loads((REPO / "services" / service / "pyproject.toml").read_text())
    package = service.replace("-", "_")
    root = REPO / "services" / service / "src" / package
    patterns = project.get("tool", {}).get("setuptools", {}).get("package-data", {}).get(package, [])
    packaged = {Path(name) for pattern in patterns for name in glob.glob(str(root / pattern), recursive=True)}
    beside = {path for path in root.rglob("*")
              if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts}
    assert sorted(str(path.relative_to(root)) for path in beside - packaged) == []


def test_the_gateway_routes_the_api_prefixes_and_the_portal_at_the_root() -> None:
    def routes(ingress: dict) -> dict[str, str]:
        (rule,) = ingress["spec"]["rules"]
        return {path["path"]: path["backend"]["service"]["name"] for path in rule["http"]["paths"]}

    (public,) = _documents(K8S / "base/gateway/ingress.yaml")
    (internal,) = _documents(K8S / "base/gateway/internal-ingress.yaml")
    public_routes = routes(public)
    assert public_routes.pop("/") == PORTAL
    assert sorted(public_routes.values()) == KAFKA_SERVICES, "one API prefix per service"
    # The portal calls the same APIs inside the cluster, never itself: no host (the controller's
    # default server, which answers /healthz on its own) and no root path.
    assert "host" not in internal["spec"]["rules"][0]
    assert routes(internal) == public_routes


PORTAL_PDF_PACKAGES = re.compile(r"^# The portal's PDFs.*?^ && rm -rf /var/lib/apt/lists/\*\n", re.M | re.S)


def test_the_dockerfiles_are_one_template() -> None:
    def template(service: str) -> str:
        text = (REPO / "services" / service / "Dockerfile").read_text()
        package = service.replace("-", "_")
        # The portal's settings have their own prefix (PORTAL_ENVIRONMENT), not the platform's ENVIRONMENT.
        text = text.replace(f" {package.upper()}_ENVIRONMENT=production", "")
        if service == PORTAL:  # and it alone makes PDFs: Pango and fonts from Debian, one block before the user
            text, found = PORTAL_PDF_PACKAGES.subn("", text)
            assert found == 1, "the portal's Dockerfile installs the PDF's Debian packages in one block"
        return text.replace(f"{package}.main:app", "<package>.main:app").replace(service, "<service>")

    templates = {template(service) for service in SERVICES}
    assert len(templates) == 1, "the Dockerfiles differ beyond the service's names"
    (only,) = templates
    assert re.search(r"^USER 10001", only, re.M) and "HEALTHCHECK" in only and only.count("FROM ") == 2


def test_the_dockerfiles_pass_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(__import__("sys").executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, *(str(REPO / "services" / s / "Dockerfile") for s in SERVICES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _validator():
    spec = importlib.util.spec_from_file_location("k8s_validate", K8S / "validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_offline_validation_refuses_unknown_fields_and_bad_custom_resources() -> None:
    validate = _validator()
    (deployment,) = _documents(K8S / "base/cap-service/deployment.yaml")
    assert validate.problems_of(deployment) is None
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFilesystem"] = True  # wrong level
    assert "readOnlyRootFilesystem" in validate.problems_of(deployment)

    topic = _documents(K8S / "base/kafka/topics.yaml")[0]
    assert validate.problems_of(topic) is None
    topic["spec"]["partitions"] = 0
    assert validate.problems_of(topic) is not None
    (user,) = _documents(K8S / "base/notifier/kafkauser.yaml")
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Publish"]  # not a Kafka ACL operation
    assert validate.problems_of(user) is not None
