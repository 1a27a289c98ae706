"""evidence-store's use cases over in-memory fakes of the bucket and the projections."""

import hashlib
from datetime import timedelta

import pytest

from evidence_store.domain.errors import FileTooLargeError, IntegrityError, UploadRefusedError
from evidence_store.domain.file_types import checked_filename, detect_type
from evidence_store.service_layer.handlers import EvidenceHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import CapItemRejected, EvidenceRejectedOnUpload, EvidenceStored
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.testing import factory_account, member

from .fakes import EXECUTABLE, PDF, PNG, FakeBucket, office_file

@pytest.mark.parametrize(
    ("content", "kind"),
    [(PDF, "pdf"), (PNG, "png"), (office_file("word/document.xml"), "docx"), (office_file("xl/workbook.xml"), "xlsx"),
     (EXECUTABLE, None), (b"PK\x03\x04 not a zip", None), (b"plain text", None)],
)
def test_file_types_are_told_by_content(content: bytes, kind: str | None) -> None:
    assert detect_type(content[:4096], content) == kind


@pytest.mark.parametrize("name", ["../../etc/passwd", "C:\\x\\log.pdf", "..", ".hidden.pdf", "a/b.pdf", "a\x00.pdf", ""])
def test_names_that_are_paths_are_refused(name: str) -> None:
    with pytest.raises(InvalidRequestError):
        checked_filename(name)


def test_plain_names_keep_a_plain_alphabet() -> None:
    assert checked_filename("a<b>.pdf") == "a_b_.pdf"


async def test_the_factory_uploads_and_the_sha256_is_recorded_and_announced(handlers: EvidenceHandlers) -> None:
    evidence = handlers
    stored = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.object_key.startswith("f-1/") and len(stored.object_key) > 30
    [event] = evidence.evidence.published
    assert isinstance(event, EvidenceStored) and event.sha256 == stored.sha256


async def test_refused_uploads_store_nothing(handlers: EvidenceHandlers, bucket: FakeBucket) -> None:
    evidence = handlers
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "policy.pdf", EXECUTABLE)
    with pytest.raises(FileTooLargeError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "big.pdf", PDF + b"0" * 2048)
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "empty.pdf", b"")
    assert bucket.objects == {} and evidence.evidence.published == []


async def test_a_stored_object_that_differs_is_removed_and_refused(
    handlers: EvidenceHandlers, bucket: FakeBucket
) -> None:
    bucket.corrupt = True
    evidence = handlers
    with pytest.raises(IntegrityError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    assert bucket.objects == {} and evidence.evidence.published == []


async def test_only_the_factory_of_the_cap_uploads(handlers: EvidenceHandlers) -> None:
    evidence = handlers
    with pytest.raises(PermissionDeniedError):
        await evidence.upload(member("m-a"), "c-1", "i-1", "permit.pdf", PDF)
    for caller in (member("m-c"), factory_account("f-2")):
        with pytest.raises(NotFoundError):
            await evidence.upload(caller, "c-1", "i-1", "permit.pdf", PDF)


async def test_downloads_go_only_to_callers_who_may_see_the_factory(handlers: EvidenceHandlers) -> None:
    evidence = handlers
    stored = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    link = await evidence.download_link(member("m-a"), stored.id)
    assert link.expires_in == 300 and stored.object_key in link.url
    with pytest.raises(NotFoundError):
        await evidence.download_link(member("m-c"), stored.id)


async def test_a_declared_type_that_the_content_contradicts_is_refused(
    handlers: EvidenceHandlers, bucket: FakeBucket
) -> None:
    evidence = handlers
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "photo.png", PDF, "image/png")
    with pytest.raises(InvalidRequestError):
        await evidence.upload(factory_account("f-1"), "c-1", "i-1", "../permit.pdf", PDF, "application/pdf")
    assert bucket.objects == {}


async def test_a_resubmission_is_a_new_version_and_the_rejected_one_stays(handlers: EvidenceHandlers) -> None:
    evidence = handlers
    first = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    rejected = CapItemRejected(
        cap_id="c-1", item_id="i-1", factory_id="f-1", member_id="m-a", decided_by="u", comment="Unsigned",
        decided_at="2026-04-01T00:00:00Z", evidence_id=first.id,
    )
    await evidence.note_decision(rejected, wrap(rejected, producer="cap-service"))
    second = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit-signed.pdf", PDF)
    versions, next_version = await evidence.evidence_of_item(member("m-a"), "c-1", "i-1")
    assert next_version is None
    assert [(v.version_number, v.review_status, v.review_comment) for v in versions] == [
        (1, "rejected", "Unsigned"), (2, "submitted", None)
    ]
    assert versions[1].id == second.id


async def declare(evidence: EvidenceHandlers, content: bytes, **overrides: object) -> str:
    declared = {"filename": "permit.pdf", "content_type": "application/pdf", "size_bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(), **overrides}
    ticket = await evidence.request_upload(factory_account("f-1"), "c-1", "i-1", **declared)
    assert ticket.expires_in == 300 and ticket.session.object_key in ticket.url
    return ticket.session.id


async def test_a_presigned_upload_is_verified_on_completion(handlers: EvidenceHandlers, bucket: FakeBucket) -> None:
    evidence = handlers
    upload_id = await declare(evidence, PDF)
    with pytest.raises(ConflictError):
        await evidence.complete_upload(factory_account("f-1"), upload_id)  # nothing PUT yet
    session = await evidence.uploads.get(upload_id)
    bucket.objects[session.object_key] = PDF
    with pytest.raises(NotFoundError):
        await evidence.complete_upload(factory_account("f-2"), upload_id)
    stored = await evidence.complete_upload(factory_account("f-1"), upload_id)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest() and stored.object_key == session.object_key
    with pytest.raises(ConflictError):
        await evidence.complete_upload(factory_account("f-1"), upload_id)


@pytest.mark.parametrize(
    ("declared_content", "uploaded", "overrides"),
    [
        (PDF, PDF[:-3], {}),  # truncated
        (PDF, EXECUTABLE, {}),  # an executable under a .pdf name
        (PDF, PDF, {"sha256": "0" * 64}),  # not what was declared
        (PNG, PDF + b"\x00" * (len(PNG) - len(PDF)), {"content_type": "image/png", "filename": "p.png"}),
    ],
)
async def test_a_refused_presigned_upload_is_deleted_and_announced(
    declared_content: bytes, uploaded: bytes, overrides: dict, handlers: EvidenceHandlers, bucket: FakeBucket
) -> None:
    evidence = handlers
    upload_id = await declare(evidence, declared_content, **overrides)
    bucket.objects[(await evidence.uploads.get(upload_id)).object_key] = uploaded
    with pytest.raises(UploadRefusedError):
        await evidence.complete_upload(factory_account("f-1"), upload_id)
    assert bucket.objects == {} and evidence.evidence.published == []
    [event] = evidence.uploads.published
    assert isinstance(event, EvidenceRejectedOnUpload) and event.upload_id == upload_id


async def test_an_oversize_declaration_gets_no_upload_url(handlers: EvidenceHandlers) -> None:
    evidence = handlers
    with pytest.raises(FileTooLargeError):
        await declare(evidence, PDF, size_bytes=4096)
    with pytest.raises(InvalidRequestError):
        await declare(evidence, PDF, content_type="application/x-msdownload")


async def test_an_abandoned_presigned_upload_is_deleted_after_its_window(
    handlers: EvidenceHandlers, bucket: FakeBucket
) -> None:
    evidence = handlers
    upload_id = await declare(evidence, PDF)
    session = await evidence.uploads.get(upload_id)
    bucket.objects[session.object_key] = PDF  # PUT, never completed
    assert await evidence.expire_abandoned_uploads() == 0  # still within its window
    evidence.clock = lambda: session.expires_at + timedelta(seconds=1)
    assert await evidence.expire_abandoned_uploads() == 1
    assert bucket.objects == {} and (await evidence.uploads.get(upload_id)).status == "rejected"
    [event] = evidence.uploads.published
    assert isinstance(event, EvidenceRejectedOnUpload)
    with pytest.raises(ConflictError):
        await evidence.complete_upload(factory_account("f-1"), upload_id)


async def test_the_clean_up_reads_every_pending_upload_a_page_at_a_time(
    handlers: EvidenceHandlers, bucket: FakeBucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("evidence_store.service_layer.handlers.UPLOADS_PER_READ", 2)
    evidence = handlers
    upload_ids = [await declare(evidence, PDF) for _ in range(5)]
    session = await evidence.uploads.get(upload_ids[0])
    evidence.clock = lambda: session.expires_at + timedelta(seconds=1)

    assert await evidence.expire_abandoned_uploads() == 5
    assert {(await evidence.uploads.get(upload_id)).status for upload_id in upload_ids} == {"rejected"}
