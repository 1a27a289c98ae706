"""A member's export archive through the portal's API, checked against what was seeded, then imported
into another instance of the platform.

Member A of a fresh cast is linked to the site, an audit opened a CAP of one item, the factory
submitted evidence and A accepted it; the operator signs a checkpoint. A's archive is fetched from
``GET /api/export.zip`` (the portal, behind the gateway) with A's bearer token, as a stream.

The import goes into a second, whole instance that the test starts beside the running stack
(``another_local_instance``: its own Kafka, SecantusDB, S3 server, services and gateway, every port
+100, nothing shared with the first but the code). Its registry has never seen the site. There, with
the exporting platform's published keys: a record altered after the export stops the import before
anything is sent (the site is still unknown there); the archive as exported is verified offline, its
site arrives new in the second registry with its id, name and country (found by the registry's search),
the member's organisation on the second instance asks to link to it, and the second operator accepts
for the factory (no factory account there yet) with a reason, after which the member reads the site
there. Importing again matches the site as known and asks nothing twice. Lookalikes held for review
are the registry's own tests' (services/factory-registry/tests/unit/test_imports.py).

The second instance takes the machine's two cores while it starts: the import test is serial.
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
from shared_audits_client.api import PlatformClient, eventually
from shared_audits_client.story import SAMPLE_PDF, Cast, assemble_cast
from tests.integration.cap_flows import finding, open_cap, submit_evidence
from tests.integration.stack import ANOTHER_INSTANCE_TIMINGS, Stack, another_instance_ports, another_local_instance

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


@pytest.fixture(scope="module")
def other(stack: Stack) -> Iterator[Stack]:
    """A second instance of the platform, with the same operator credentials, for this module's import."""
    with another_local_instance(stack) as instance:
        yield instance
    timing = ANOTHER_INSTANCE_TIMINGS[-1]
    print(f"\nanother instance: up in {timing.up:.1f} s, down in {timing.down:.1f} s")


def _addresses_of_its_services(instance: Stack) -> dict[str, dict[str, str]]:
    """The servers' and the gateway's addresses each running service of ``instance`` was started with."""
    wanted = ("KAFKA_BOOTSTRAP", "MONGO_URL", "S3_ENDPOINT", "JWKS_URL", "PORTAL_GATEWAY_URL")
    addresses = {}
    for pidfile in sorted((instance.state_dir / "run").glob("*.json")):
        pid = json.loads(pidfile.read_text())["pid"]
        environ = dict(entry.split("=", 1) for entry in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
                       if "=" in entry)
        if "JWKS_URL" in environ:  # a service (the servers and nginx get no service settings)
            addresses[pidfile.stem] = {name: environ[name] for name in wanted}
    return addresses


@pytest.mark.serial
def test_the_archive_imports_into_another_instance_where_its_site_arrives_new_and_the_member_links(
        stack: Stack, world: World, other: Stack, tmp_path: Path) -> None:
    cast = world.cast
    # Nothing of the second instance talks to the first: every service's servers and gateway are its own.
    services = _addresses_of_its_services(other)
    assert len(services) == 7, sorted(services)
    access_control = another_instance_ports()["ACCESS_CONTROL_PORT"]
    for name, addresses in services.items():
        assert addresses == {
            "KAFKA_BOOTSTRAP": other.kafka_bootstrap, "MONGO_URL": other.mongo_url, "S3_ENDPOINT": other.s3_endpoint,
            "JWKS_URL": f"http://127.0.0.1:{access_control}/access/.well-known/jwks.json",
            "PORTAL_GATEWAY_URL": other.gateway_url}, name
    assert other.gateway_url != stack.gateway_url and other.kafka_bootstrap != stack.kafka_bootstrap

    with zipfile.ZipFile(world.archive) as archive:
        (site,) = json.loads(archive.read("export.json"))["factories"]
    keys = tmp_path / "record-keys.json"  # the exporting platform's keys, as a member keeps them
    keys.write_text(httpx.get(f"{stack.gateway_url}/caps/record-keys", timeout=10).text)
    operator = PlatformClient.login(other.gateway_url, other.operator_client_id, other.operator_client_secret)
    try:
        def arrived() -> list[dict]:
            return operator.search_factories(name=site["name"], country=site["country"])

        assert arrived() == [], "the second registry has never seen the site"
        successor = operator.register_organisation(f"Brand A {cast.factory_id[:6]} (elsewhere)", "member")
        credentials = ["--client-id", successor.client_id, "--client-secret", successor.client_secret,
                       "--gateway", other.gateway_url, "--operator-client-id", other.operator_client_id,
                       "--operator-client-secret", other.operator_client_secret, "--keys", str(keys)]

        # A record altered after the export stops the import before anything is sent.
        tampered = _tampered(world.archive, tmp_path / "tampered.zip", world.cap["cap_id"])
        code, output = _cli("import", str(tampered), *credentials)
        assert code == 1 and "nothing imported" in output and "hash-mismatch" in output, output
        assert arrived() == [] and operator.link_requests() == []

        # The archive as exported: verified with the exporting platform's keys, the site new in this registry.
        code, output = _cli("import", str(world.archive), *credentials)
        assert code == 0, output
        assert "verified 1 CAP records; matched 1 sites (1 new in this registry), held for review 0" in output, output
        assert "requested 1 " in output, output
        (found,) = arrived()
        assert (found["factory_id"], found["name"], found["country"]) == (cast.factory_id, site["name"], site["country"])
        (request,) = operator.link_requests()
        assert (request["member_id"], request["factory_id"], request["relationship"]) == (
            successor.organisation_id, cast.factory_id, "supplier")

        # No factory account on this instance yet: its operator accepts for the factory, with a reason.
        accepted = operator.accept_link_request(request["request_id"], reason="Site moved from the member's former "
                                                "platform; the factory agreed by letter.")
        assert accepted["status"] == "active", accepted
        member = PlatformClient.login(other.gateway_url, successor.client_id, successor.client_secret)
        try:
            assert [(link["factory_id"], link["status"]) for link in member.links()] == [(cast.factory_id, "active")]
            assert eventually(lambda: member.factory(cast.factory_id))["name"] == site["name"]
        finally:
            member.close()

        # Importing again matches the site as known and asks nothing twice.
        code, output = _cli("import", str(world.archive), *credentials)
        assert code == 0, output
        assert "matched 1 sites (0 new in this registry)" in output and "already linked or requested 1" in output
        assert operator.link_requests() == []
    finally:
        operator.close()
