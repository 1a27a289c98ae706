"""The export archive and its import, without the platform: a fake client answers what a member may see."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from shared_audits_cli import portability
from shared_audits_client.api import ApiError
from shared_audits_client.portability import read_archive, safe_filename, write_archive

FILE = b"%PDF-1.4 a permit\n"


class NotFound(ApiError):
    def __init__(self) -> None:
        Exception.__init__(self, "404")
        self.status, self.problem = 404, {"detail": "not found"}


class FakeMember:
    """The calls the archive makes, answered from memory; every call is recorded."""

    def __init__(self, record: dict | None = None) -> None:
        self.record = record
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        self.calls.append(name)
        answers = {
            "my_organisation": {"organisation_id": "org-1", "kind": "member"},
            "links": [{"factory_id": "site-1", "relationship": "supplier", "active": True}],
            "factories": [{"factory_id": "site-1", "name": "Sunrise Garments", "country": "BD",
                           "identifiers": {"os_id": None}}],
            "audits_of_factory": [{"audit_id": "audit-1", "factory_id": "site-1"}],
            "caps_of_factory": [{"cap_id": "cap-1", "factory_id": "site-1", "items": [{"item_id": "item-1"}]}],
            "evidence_files": [{"evidence_id": "ev-1", "filename": "../../etc/permit.pdf", "size_bytes": len(FILE)}],
            "evidence_download": {"url": "http://files.test/ev-1"},
            "inbox": [],
        }

        def call(*args, **kwargs):
            if name == "stream_presigned":
                return iter([FILE[:5], FILE[5:]])
            if name == "cap_record" and self.record is not None:
                return self.record
            if name in answers:
                return answers[name]
            raise NotFound()

        return call


def test_the_archive_lists_every_file_in_its_manifest_and_reading_it_back_checks_them(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    write_archive(FakeMember(), archive)

    document = read_archive(archive).document
    assert document["manifest"]["counts"]["evidence"] == 1
    assert document["evidence"][0]["archive_path"] == "evidence/ev-1/permit.pdf"
    with zipfile.ZipFile(archive) as files:
        assert files.read("evidence/ev-1/permit.pdf") == FILE
        contents = {name: files.read(name) for name in files.namelist()}
    contents["evidence/ev-1/permit.pdf"] = b"%PDF-1.4 another permit\n"
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(altered, "w") as files:
        for name, content in contents.items():
            files.writestr(name, content)
    with pytest.raises(ValueError, match="does not match its size and SHA-256"):
        read_archive(altered)


def test_a_record_that_does_not_verify_stops_the_import_before_any_call(tmp_path: Path) -> None:
    broken = {"format": "shared-audits/cap-record", "version": 1, "cap_id": "cap-1",
              "entries": [{"seq": 0, "cap_id": "cap-1", "type": "CapOpened", "version": 1, "at": "2026-01-01T00:00:00Z",
                           "data": {}, "previous": None, "hash": "0" * 64}]}
    archive = tmp_path / "export.zip"
    write_archive(FakeMember(record=broken), archive)
    importer = FakeMember()

    with pytest.raises(portability.RecordsDoNotVerify) as refused:
        portability.import_archive(importer, read_archive(archive))

    assert list(refused.value.failures) == ["records/cap-1.json"]
    assert importer.calls == []


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", "passwd"), ("C:\\reports\\März report.pdf", "März_report.pdf"), ("..", "file"),
    ("检验报告 (1).pdf", "检验报告_1_.pdf"), (".hidden", "hidden"),
    ("সুরমা অগ্নি.pdf", "সুরমা_অগ্নি.pdf"),
    ("", "file"), ("permit.pdf", "permit.pdf"),
])
def test_a_files_name_becomes_one_harmless_part_of_a_path(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_an_export_json_of_another_kind_is_refused(tmp_path: Path) -> None:
    (tmp_path / "export.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a shared-audits-member-export file"):
        read_archive(tmp_path)


class Refusing:
    """An operator whose registry refuses the batch (422)."""

    def call(self, *args, **kwargs):
        error = NotFound()
        error.status, error.problem = 422, {"detail": "body.factories.0.contact: not a contact"}
        raise error


def test_sites_the_registry_refuses_are_reported_and_not_linked(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    write_archive(FakeMember(), archive)
    importer = FakeMember()

    result = portability.import_archive(importer, read_archive(archive), operator=Refusing())

    assert result.refused == {"site-1": "body.factories.0.contact: not a contact"}
    assert result.matched == {} and "link_factory" not in importer.calls


class LateToLearn:
    """A member's client whose access-control learns of the site after two link requests."""

    def __init__(self) -> None:
        self.asked = 0

    def link_factory(self, factory_id: str, relationship: str) -> dict:
        self.asked += 1
        if self.asked <= 2:
            raise NotFound()
        return {"factory_id": factory_id, "relationship": relationship, "status": "requested"}


def test_a_link_request_to_a_site_just_imported_is_asked_again_until_access_control_knows_it() -> None:
    member = LateToLearn()
    request = portability.request_link(member, "site-1", "supplier", wait=5, interval=0)
    assert request["status"] == "requested" and member.asked == 3
    with pytest.raises(ApiError):  # without waiting (the member's own search found it: known already), at once
        portability.request_link(LateToLearn(), "site-1", "supplier")
