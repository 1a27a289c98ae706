"""The deployment files agree with the code: topics, Kafka users, Dockerfiles, the gateway (no cluster needed)."""

from __future__ import annotations

import functools
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
    unit = _validator().build(K8S / "base" / service)  # the template (components/service) named after it
    assert {resource["metadata"]["name"] for resource in unit} == {service}, "nothing keeps the template's name"
    kinds = {resource["kind"] for resource in unit}
    (deployment,) = (resource for resource in unit if resource["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == service and container["image"].startswith(f"shared-audits/{service}:")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == service
    assert {"name": service} in [source["configMapRef"] for source in container["envFrom"]]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == service
    if service == PORTAL:
        assert kinds == UNIT_KINDS
        assert "shared-audits/kafka-client" not in labels and "shared-audits/mongodb-client" not in labels
        return
    assert kinds == UNIT_KINDS | {"KafkaUser"}
    env = {variable["name"]: variable for variable in container["env"]}
    assert env["KAFKA_SASL_USERNAME"]["value"] == service
    assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == service
    assert env["MONGO_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"{service}-mongodb"
    (user,) = _documents(K8S / "base" / service / "kafkauser.yaml")
    writable = {acl["resource"]["name"] for acl in user["spec"]["authorization"]["acls"] if "Write" in acl["operations"]}
    assert dead_letter_topic(service).name in writable


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_built_deployed_and_fenced(service: str) -> None:
    folder = REPO / "services" / service
    assert (folder / "README.md").is_file() and not (folder / "Dockerfile").exists(), "one services/Dockerfile"
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


DOCKERFILE = REPO / "services" / "Dockerfile"


def _stages(dockerfile: str) -> dict[str, str]:
    """Each stage's text by its name (`FROM ... AS <name>`), the FROM line included."""
    parts = re.split(r"^(?=FROM )", dockerfile, flags=re.M)[1:]
    return {re.match(r"FROM \S+ AS (\S+)", part).group(1): part for part in parts}


def test_one_dockerfile_builds_every_service_and_the_portal_alone_adds_its_pdf_libraries() -> None:
    text = DOCKERFILE.read_text()
    stages = _stages(text)
    assert list(stages) == ["build", "base", PORTAL, "service"], "the last stage (the default target) is a service's"
    # The build stage copies the service named by the build argument, nothing named per service.
    assert re.search(r"^ARG SERVICE$", stages["build"], re.M)
    instructions = "\n".join(line for line in stages["build"].splitlines() if not line.startswith("#"))
    assert not any(service in instructions for service in SERVICES)
    assert re.search(r"^USER 10001", stages[PORTAL], re.M) and re.search(r"^USER 10001", stages["service"], re.M)
    assert "HEALTHCHECK" in stages["base"] and 'CMD ["uvicorn", "service_app:app"' in stages["base"]
    # The portal's target adds only Pango and fonts (Debian) and its own settings' environment.
    portal = stages[PORTAL]
    assert "libpango" in portal and "PORTAL_ENVIRONMENT=production" in portal and "pip" not in portal
    assert "COPY --from=build /opt/venv /opt/venv" in portal and "COPY --from=build /opt/venv /opt/venv" in stages["service"]
    assert [line for line in stages["service"].splitlines() if line and not line.startswith("#")] == [
        "FROM base AS service", "COPY --from=build /opt/venv /opt/venv", "USER 10001:10001"
    ], "the six services add nothing to the base"
    # The build context (Dockerfile.dockerignore beside it) sends every service's package, nothing else.
    ignore = (REPO / "services" / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignore and "!services/*/src/" in ignore and "!services/*/pyproject.toml" in ignore


@pytest.mark.parametrize("service", SERVICES)
def test_the_dockerfile_installs_each_service_and_its_local_packages(service: str) -> None:
    # What the build stage's RUN installs for this service: the shared package, the client package
    # when the service's pyproject names it, the service; its app is <package>.main:app.
    project = tomllib.loads((REPO / "services" / service / "pyproject.toml").read_text())
    dependencies = project["project"]["dependencies"]
    local = {name.split("-")[-1] for name in dependencies if name.startswith("shared-audits-")}
    assert local <= {"shared", "client"}, "a new local package: copy and install it in services/Dockerfile"
    assert (REPO / "services" / service / "src" / service.replace("-", "_") / "main.py").is_file()
    assert '"shared-audits-client"' in DOCKERFILE.read_text()


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(__import__("sys").executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@functools.cache
def _validator():
    spec = importlib.util.spec_from_file_location("k8s_validate", K8S / "validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_offline_validation_refuses_unknown_fields_and_bad_custom_resources() -> None:
    validate = _validator()
    (deployment,) = (resource for resource in validate.build(K8S / "base/cap-service") if resource["kind"] == "Deployment")
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
