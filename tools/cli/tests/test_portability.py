"""A member's export and import round-trip through the running platform, with its own credentials."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from shared_audits_cli.main import app
from shared_audits_client import PlatformClient, eventually
from shared_audits_client.story import assemble_cast, walk_skeleton
from tests.integration.stack import Stack

runner = CliRunner()


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_members_export_imports_into_another_account_and_exports_the_same(stack: Stack, tmp_path: Path) -> None:
    # Given member A linked to a factory with an audit, a CAP and evidence.
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    try:
        run = walk_skeleton(cast)
        member_a = cast.organisations["member_a"]
        successor = cast.operator.register_organisation(f"Brand A successor {cast.factory_id[:6]}", "member")
        gateway = ["--gateway", stack.gateway_url]

        # When A exports, its successor account imports that export (a link request per factory) ...
        first = tmp_path / "member-a.zip"
        _cli("export", "--out", str(first), "--client-id", member_a.client_id,
             "--client-secret", member_a.client_secret, *gateway)
        output = _cli("import", str(first), "--client-id", successor.client_id,
                      "--client-secret", successor.client_secret, *gateway)
        assert "requested 1" in output
        # ... and the factory accepts the successor's request.
        (request,) = [r for r in cast.factory.link_requests() if r["member_id"] == successor.organisation_id]
        cast.factory.accept_link_request(request["request_id"])
    finally:
        cast.close()

    # Then the export holds what A may see, as JSON and CSV in one archive ...
    with zipfile.ZipFile(first) as archive:
        exported = json.loads(archive.read("export.json"))
        items = list(csv.DictReader(io.StringIO(archive.read("cap_items.csv").decode())))
    assert exported["organisation"]["organisation_id"] == member_a.organisation_id
    assert cast.factory_id in {factory["factory_id"] for factory in exported["factories"]}
    assert run.audit["audit_id"] in {audit["audit_id"] for audit in exported["audits"]}
    assert run.cap["cap_id"] in {cap["cap_id"] for cap in exported["caps"]}
    assert run.evidence["evidence_id"] in {evidence["evidence_id"] for evidence in exported["evidence"]}
    assert {(row["cap_id"], row["item_id"], row["status"]) for row in items} >= {
        (run.cap["cap_id"], run.item_id, "accepted")}

    # ... and the successor, once the links have travelled as events, sees the same factories and CAPs.
    second = tmp_path / "successor"
    successor_client = PlatformClient.login(stack.gateway_url, successor.client_id, successor.client_secret)
    try:
        eventually(lambda: _sees_cap(successor_client, cast.factory_id))
    finally:
        successor_client.close()
    _cli("export", "--out", str(second), "--unpacked", "--client-id", successor.client_id,
         "--client-secret", successor.client_secret, *gateway)
    again = json.loads((second / "export.json").read_text())
    assert _links(again) == _links(exported)
    assert {f["factory_id"] for f in again["factories"]} == {f["factory_id"] for f in exported["factories"]}
    assert {c["cap_id"] for c in again["caps"]} == {c["cap_id"] for c in exported["caps"]}
    assert {a["audit_id"] for a in again["audits"]} == {a["audit_id"] for a in exported["audits"]}

    # Importing again changes nothing.
    output = _cli("import", str(second / "export.json"), "--client-id", successor.client_id,
                  "--client-secret", successor.client_secret, *gateway)
    assert "requested 0" in output


def _sees_cap(client: PlatformClient, factory_id: str) -> None:
    assert client.caps_of_factory(factory_id), "the link has not reached cap-service yet"


def _links(export: dict) -> set[tuple[str, str]]:
    return {(link["factory_id"], link["relationship"]) for link in export["links"] if link["active"]}


def test_importing_a_file_that_is_not_an_export_is_refused_plainly(tmp_path: Path) -> None:
    not_an_export = tmp_path / "export.json"
    not_an_export.write_text(json.dumps({"links": []}))
    result = runner.invoke(app, ["import", str(not_an_export), "--client-id", "x", "--client-secret", "y"])
    assert result.exit_code == 2
    assert "not a shared-audits-member-export file" in result.output
