"""The deployment files agree with the code: topics, Kafka users, Dockerfiles (no cluster needed)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from shared_audits.contracts.topics import DOMAIN_TOPICS, dead_letter_topic

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
SERVICES = sorted(path.parent.name for path in (REPO / "services").glob("*/Dockerfile"))


def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_every_topic_in_the_contracts_is_a_kafka_topic_with_its_partition_count() -> None:
    declared = {doc["spec"]["topicName"]: doc["spec"]["partitions"] for doc in _documents(K8S / "base/kafka/topics.yaml")}
    expected = {topic.name: topic.partitions for topic in DOMAIN_TOPICS}
    expected |= {dead_letter_topic(service).name: dead_letter_topic(service).partitions for service in SERVICES}
    assert declared == expected


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_one_deploy_unit_and_a_kafka_user(service: str) -> None:
    unit = K8S / "base" / service
    kinds = {doc["kind"] for path in unit.glob("*.yaml") if path.name != "kustomization.yaml" for doc in _documents(path)}
    assert kinds == {"Deployment", "Service", "ServiceAccount", "ConfigMap", "HorizontalPodAutoscaler",
                     "PodDisruptionBudget", "KafkaUser"}
    (user,) = _documents(unit / "kafkauser.yaml")
    writable = {acl["resource"]["name"] for acl in user["spec"]["authorization"]["acls"] if "Write" in acl["operations"]}
    assert dead_letter_topic(service).name in writable
    (deployment,) = _documents(unit / "deployment.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_the_six_dockerfiles_are_one_template() -> None:
    def template(service: str) -> str:
        text = (REPO / "services" / service / "Dockerfile").read_text()
        package = service.replace("-", "_")
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
