"""evidence-store's use cases over in-memory fakes of the bucket and the projections."""

import hashlib
import io
import zipfile

import pytest

from evidence_store.adapters.cap_items import InMemoryCapItems
from evidence_store.domain.file_types import detect_type
from evidence_store.service_layer.handlers import (
    EvidenceHandlers,
    FileTooLargeError,
    IntegrityError,
    safe_filename,
)
from shared_audits.contracts.events import EvidenceStored
from shared_audits.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.links import InMemoryLinkProjection
from shared_audits.store import InMemoryAggregateStore
from shared_audits.testing import factory_account, member

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 64


def office_file(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
    return buffer.getvalue()


class FakeBucket:
    def __init__(self, corrupt: bool = False) -> None:
        self.objects: dict[str, bytes] = {}
        self.corrupt = corrupt

    async def put(self, key: str, content: bytes, content_type: str, sha256: str) -> None:
        self.objects[key] = content + (b"!" if self.corrupt else b"")

    async def sha256_of(self, key: str) -> str:
        return hashlib.sha256(self.objects[key]).hexdigest()

    async def remove(self, key: str) -> None:
        del self.objects[key]

    async def download_url(self, key: str, filename: str, seconds: int) -> str:
        return f"http://127.0.0.1/{key}?expires={seconds}"


def handlers(bucket: FakeBucket | None = None) -> EvidenceHandlers:
    return EvidenceHandlers(
        evidence=InMemoryAggregateStore(),
        objects=bucket or FakeBucket(),
        cap_items=InMemoryCapItems({("c-1", "i-1"): "f-1"}),
        links=InMemoryLinkProjection({("m-a", "f-1")}),
        max_upload_bytes=1024,
        allowed_types=["pdf", "jpeg", "png", "docx", "xlsx"],
        download_url_seconds=300,
    )


@pytest.mark.parametrize(
    ("content", "kind"),
    [(PDF, "pdf"), (PNG, "png"), (office_file("word/document.xml"), "docx"), (office_file("xl/workbook.xml"), "xlsx"),
     (EXECUTABLE, None), (b"PK\x03\x04 not a zip", None), (b"plain text", None)],
)
def test_file_types_are_told_by_content(content: bytes, kind: str | None) -> None:
    assert detect_type(content[:4096], content) == kind


@pytest.mark.parametrize(("name", "safe"), [("../../etc/passwd", "passwd"), ("C:\\x\\log.pdf", "log.pdf"), ("..", "evidence"), ("a<b>.pdf", "a_b_.pdf")])
def test_names_never_become_paths(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


async def test_the_factory_uploads_and_the_sha256_is_recorded_and_announced() -> None:
    evidence = handlers()
    stored = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.object_key.startswith("f-1/") and len(stored.object_key) > 30
    [event] = evidence.evidence.published
    assert isinstance(event, EvidenceStored) and event.sha256 == stored.sha256


async def test_refused_uploads_store_nothing() -> None:
    bucket = FakeBucket()
    evidence = handlers(bucket)
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "policy.pdf", EXECUTABLE)
    with pytest.raises(FileTooLargeError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "big.pdf", PDF + b"0" * 2048)
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "empty.pdf", b"")
    assert bucket.objects == {} and evidence.evidence.published == []


async def test_a_stored_object_that_differs_is_removed_and_refused() -> None:
    bucket = FakeBucket(corrupt=True)
    evidence = handlers(bucket)
    with pytest.raises(IntegrityError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    assert bucket.objects == {} and evidence.evidence.published == []


async def test_only_the_factory_of_the_cap_uploads() -> None:
    evidence = handlers()
    with pytest.raises(PermissionDeniedError):
        await evidence.upload(member("m-a"), "c-1", "i-1", "permit.pdf", PDF)
    for caller in (member("m-c"), factory_account("f-2")):
        with pytest.raises(NotFoundError):
            await evidence.upload(caller, "c-1", "i-1", "permit.pdf", PDF)


async def test_downloads_go_only_to_callers_who_may_see_the_factory() -> None:
    evidence = handlers()
    stored = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    link = await evidence.download_link(member("m-a"), stored.id)
    assert link.expires_in == 300 and stored.object_key in link.url
    with pytest.raises(NotFoundError):
        await evidence.download_link(member("m-c"), stored.id)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.ini", "a/b.pdf", "permit.pdf\x00.exe"])
async def test_a_name_that_is_a_path_is_refused_and_nothing_stored(name: str) -> None:
    bucket = FakeBucket()
    evidence = handlers(bucket)
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", name, PDF)
    assert bucket.objects == {} and evidence.evidence.published == []


async def test_a_declared_type_must_match_the_content() -> None:
    bucket = FakeBucket()
    evidence = handlers(bucket)
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF, declared_type="image/png")
    assert bucket.objects == {}
    for declared in (None, "application/pdf", "application/octet-stream"):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF, declared_type=declared)
    assert len(bucket.objects) == 3
