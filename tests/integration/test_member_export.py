"""A member's export archive through the portal's API, checked against what was seeded, then imported.

Member A of a fresh cast is linked to the site, an audit opened a CAP of one item, the factory
submitted evidence and A accepted it; the operator signs a checkpoint. A's archive is fetched from
``GET /api/export.zip`` (the portal, behind the gateway) with A's bearer token, as a stream.

What the import proves, and what it does not: the local stack is one instance, and a second one
(another registry, access-control, cap-service... behind another gateway) is too heavy for this
machine. So the archive is imported into the *same* instance, by *another member organisation*
(A's successor), with the operator's credentials for the registry step. That exercises every step
of the import against real services: the records verified offline first (and a tampered record
stops the import before anything is sent), the sites sent to the registry's import (here each is
matched as already registered, by its id: no site is new, none is held for review), and a link
request made for each matched site, which the factory sees. It does not show sites arriving new in
another registry, nor lookalikes held for review there: the registry's own tests cover those.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from shared_audits_cli.main import app
from shared_audits_cli.record_verification import keys_from, verify_record
from shared_audits_client.story import SAMPLE_PDF, Cast, assemble_cast
from tests.integration.cap_flows import finding, open_cap, submit_evidence
from tests.integration.stack import Stack

pytestmark = [pytest.mark.integration]


@dataclass
class World:
    cast: Cast
    cap: dict
    evidence: dict
    archive: Path


@pytest.fixture(scope="module")
def world(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    try:
        cap = open_cap(cast, [finding("9 Health and safety")])
        item_id = cap["items"][0]["item_id"]
        evidence = submit_evidence(cast, cap["cap_id"], item_id, "extinguisher-log.pdf", SAMPLE_PDF)
        cast.member_a.decide(cap["cap_id"], item_id, "accept", "Inspection tags verified.")
        cast.operator.call("POST", "/caps/record-checkpoints")
        archive = tmp_path_factory.mktemp("export") / "member-a.zip"
        token = cast.member_a._http.headers["Authorization"]
        with httpx.stream("GET", f"{stack.gateway_url}/api/export.zip", headers={"Authorization": token},
                          timeout=60) as response, archive.open("wb") as out:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"] == "application/zip"
            for chunk in response.iter_bytes():
                out.write(chunk)
        yield World(cast, cap, evidence, archive)
    finally:
        cast.close()


def test_the_archive_holds_what_was_seeded_with_records_that_verify_and_the_files_bytes(
        stack: Stack, world: World) -> None:
    cap_id, evidence_id = world.cap["cap_id"], world.evidence["evidence_id"]
    with zipfile.ZipFile(world.archive) as archive:
        document = json.loads(archive.read("export.json"))
        counts = document["manifest"]["counts"]
        assert {name: counts[name] for name in ("factories", "audits", "caps", "cap_items", "evidence", "links")} == {
            "factories": 1, "audits": 1, "caps": 1, "cap_items": 1, "evidence": 1, "links": 1}
        assert [f["factory_id"] for f in document["factories"]] == [world.cast.factory_id]
        assert [step["step"] for step in document["link_history"]][:2] == ["requested", "accepted"]
        # Every table is a CSV that parses, one row per entry.
        for table, count in counts.items():
            assert len(list(csv.DictReader(io.StringIO(archive.read(f"{table}.csv").decode())))) == count, table
        # The CAP's record verifies offline with the platform's published keys, its decision in it.
        record = json.loads(archive.read(f"records/{cap_id}.json"))
        keys = keys_from(httpx.get(f"{stack.gateway_url}/caps/record-keys", timeout=10).json())
        verification = verify_record(record, keys, strict=True)
        assert verification.ok, verification.as_json()
        assert "CapItemAccepted" in {entry["type"] for entry in record["entries"]}
        # The evidence file's bytes are what the factory uploaded, under the manifest's SHA-256.
        (path,) = [name for name in archive.namelist() if name.startswith(f"evidence/{evidence_id}/")]
        assert path.endswith("/extinguisher-log.pdf") and archive.read(path) == SAMPLE_PDF
        assert document["manifest"]["files"][path]["sha256"] == hashlib.sha256(SAMPLE_PDF).hexdigest()


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _tampered(source: Path, target: Path, cap_id: str) -> Path:
    """The archive with one decision's comment changed in the CAP's record, and the manifest made to agree."""
    with zipfile.ZipFile(source) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    name = f"records/{cap_id}.json"
    record = json.loads(contents[name])
    accepted = next(entry for entry in record["entries"] if entry["type"] == "CapItemAccepted")
    accepted["data"]["comment"] = "Nothing was ever checked."
    contents[name] = json.dumps(record).encode()
    document = json.loads(contents["export.json"])
    document["manifest"]["files"][name] = {"bytes": len(contents[name]),
                                           "sha256": hashlib.sha256(contents[name]).hexdigest()}
    contents["export.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for member, content in contents.items():
            archive.writestr(member, content)
    return target


def test_the_archive_imports_as_another_member_after_its_records_verify(
        stack: Stack, world: World, tmp_path: Path) -> None:
    cast = world.cast
    successor = cast.operator.register_organisation(f"Brand A successor {cast.factory_id[:6]}", "member")
    credentials = ["--client-id", successor.client_id, "--client-secret", successor.client_secret,
                   "--gateway", stack.gateway_url, "--operator-client-id", stack.operator_client_id,
                   "--operator-client-secret", stack.operator_client_secret]

    # A record altered after the export stops the import before anything is sent.
    tampered = _tampered(world.archive, tmp_path / "tampered.zip", world.cap["cap_id"])
    code, output = _cli("import", str(tampered), *credentials)
    assert code == 1 and "nothing imported" in output and "hash-mismatch" in output, output
    assert not [r for r in cast.factory.link_requests() if r["member_id"] == successor.organisation_id]

    # The archive as exported: records verified, the site matched in the registry, a link request made.
    code, output = _cli("import", str(world.archive), *credentials)
    assert code == 0, output
    assert "verified 1 CAP records; matched 1 sites (0 new in this registry), held for review 0" in output
    assert "requested 1" in output
    (request,) = [r for r in cast.factory.link_requests() if r["member_id"] == successor.organisation_id]
    assert (request["factory_id"], request["relationship"]) == (cast.factory_id, "supplier")
