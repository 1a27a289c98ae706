"""The committed AsyncAPI documents are what the contracts generate (the CI drift check)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from shared_audits.contracts import EVENT_TYPES
from shared_audits_cli import asyncapi

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "asyncapi"


def test_the_committed_documents_match_the_contracts() -> None:
    assert asyncapi.drift(COMMITTED) == [], "run `make asyncapi` and commit docs/asyncapi"


def test_every_event_type_is_documented_on_its_topic() -> None:
    documented = set()
    for path in COMMITTED.glob("ics.*.v1.yaml"):
        document = yaml.safe_load(path.read_text())
        address = document["channels"]["events"]["address"]
        for message in document["components"]["messages"].values():
            documented.add((message["name"], address))
    for payload in EVENT_TYPES.values():
        assert (payload.TYPE, payload.TOPIC.name) in documented


def test_an_edited_document_is_reported_as_drift(tmp_path: Path) -> None:
    shutil.copytree(COMMITTED, tmp_path / "asyncapi")
    edited = tmp_path / "asyncapi" / "ics.cap.v1.yaml"
    edited.write_text(edited.read_text().replace("partitions: 6", "partitions: 12"))
    (tmp_path / "asyncapi" / "ics.gone.v1.yaml").write_text("asyncapi: 3.0.0\n")
    problems = asyncapi.drift(tmp_path / "asyncapi")
    assert any("ics.cap.v1.yaml" in problem and "partitions" in problem for problem in problems)
    assert any("ics.gone.v1.yaml matches no topic" in problem for problem in problems)
