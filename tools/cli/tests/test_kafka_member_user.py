"""The KafkaUser printed for a member reads only that member's feed, and is a valid Strimzi resource."""

import json
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from shared_audits_cli.main import app

SCHEMA = Path(__file__).resolve().parents[3] / "deploy/k8s/schemas/kafka.strimzi.io/kafkauser_v1beta2.json"


def test_a_member_user_may_read_its_own_feed_only() -> None:
    result = CliRunner().invoke(app, ["kafka-member-user", "3f2a9c"])
    assert result.exit_code == 0, result.output
    user = yaml.safe_load(result.stdout)
    jsonschema.validate(user, json.loads(SCHEMA.read_text()))
    acls = user["spec"]["authorization"]["acls"]
    topics = [acl for acl in acls if acl["resource"]["type"] == "topic"]
    assert topics == [{"resource": {"type": "topic", "name": "ics.feed.3f2a9c.v1", "patternType": "literal"},
                       "operations": ["Describe", "Read"]}]
    assert all("Write" not in acl["operations"] and "Create" not in acl["operations"] for acl in acls)
