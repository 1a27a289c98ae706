"""Evidence uploads through the gateway and presigned URLs: attacks are refused with nothing stored."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from minio import Minio
from minio.error import S3Error

from shared_audits_client import ApiError, eventually
from shared_audits_client.feed import wait_for_feed_record
from shared_audits_client.story import SAMPLE_PDF, Cast
from tests.integration.cap_flows import finding, open_cap
from tests.integration.stack import Stack

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def bucket_client(stack: Stack) -> Minio:
    return Minio(stack.s3_endpoint, access_key=stack.s3_access_key, secret_key=stack.s3_secret_key,
                 secure=False, region="us-east-1")


def object_exists(stack: Stack, upload_url: str) -> bool:
    bucket, key = urlsplit(upload_url).path.lstrip("/").split("/", 1)
    try:
        bucket_client(stack).stat_object(bucket, key)
    except S3Error as error:
        assert error.code in ("NoSuchKey", "NoSuchObject", "NotFound"), error.code
        return False
    return True


def declared(content: bytes, **overrides: object) -> dict:
    return {"filename": "permit.pdf", "content_type": "application/pdf", "size_bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(), **overrides}


def test_a_presigned_upload_is_verified_and_stored_as_a_version(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("1 Management systems, transparency and traceability")])
    cap_id, item_id = cap["cap_id"], cap["items"][0]["item_id"]
    ticket = eventually(lambda: cast.factory.request_upload(cap_id, item_id, **declared(SAMPLE_PDF)))
    assert ticket["method"] == "PUT" and ticket["expires_in"] <= 900
    assert cast.factory.put_to_presigned_url(ticket["upload_url"], SAMPLE_PDF) == 200
    evidence = cast.factory.complete_upload(ticket["upload_id"])
    assert evidence["sha256"] == hashlib.sha256(SAMPLE_PDF).hexdigest() and evidence["version_number"] == 1
    with pytest.raises(ApiError) as again:
        cast.factory.complete_upload(ticket["upload_id"])
    assert again.value.status == 409
    assert [v["evidence_id"] for v in cast.member_a.evidence_versions(cap_id, item_id)] == [evidence["evidence_id"]]
    # Only the factory completes its uploads; others see no such upload.
    with pytest.raises(ApiError) as hidden:
        cast.member_a.complete_upload(ticket["upload_id"])
    assert hidden.value.status == 404


@pytest.mark.parametrize(
    ("attack", "declaration", "uploaded"),
    [
        ("truncated upload", declared(SAMPLE_PDF), SAMPLE_PDF[:-20]),
        ("executable renamed .pdf", declared(EXECUTABLE), EXECUTABLE),
        ("content contradicts the declared type", declared(SAMPLE_PDF, content_type="image/png", filename="a.png"),
         SAMPLE_PDF),
        ("bigger than declared", declared(SAMPLE_PDF), SAMPLE_PDF + b"\x00" * 4096),
        ("not the declared SHA-256", declared(SAMPLE_PDF, sha256="ab" * 32), SAMPLE_PDF),
    ],
)
def test_a_refused_presigned_upload_is_deleted_and_announced(
    stack: Stack, cast: Cast, attack: str, declaration: dict, uploaded: bytes
) -> None:
    cap = open_cap(cast, [finding("9 Health and safety")])
    cap_id, item_id = cap["cap_id"], cap["items"][0]["item_id"]
    ticket = eventually(lambda: cast.factory.request_upload(cap_id, item_id, **declaration))
    assert cast.factory.put_to_presigned_url(ticket["upload_url"], uploaded) == 200
    assert object_exists(stack, ticket["upload_url"])

    with pytest.raises(ApiError) as refused:
        cast.factory.complete_upload(ticket["upload_id"])
    assert refused.value.status == 422 and refused.value.problem["title"] == "Upload refused", attack

    assert not object_exists(stack, ticket["upload_url"])
    assert cast.member_a.evidence_versions(cap_id, item_id) == []
    member_a = cast.organisations["member_a"].organisation_id
    record = wait_for_feed_record(
        stack.kafka_bootstrap, member_a,
        lambda e: e["type"] == "EvidenceRejectedOnUpload" and e["payload"].get("upload_id") == ticket["upload_id"],
    )
    assert record is not None, "EvidenceRejectedOnUpload never reached the member's feed"


def test_streamed_upload_attacks_are_refused_with_nothing_stored(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("9 Health and safety")])
    cap_id, item_id = cap["cap_id"], cap["items"][0]["item_id"]
    eventually(lambda: cast.member_a.evidence_versions(cap_id, item_id))  # evidence-store knows the item
    before = set(bucket_client(stack).list_objects("evidence", prefix=f"{cast.factory_id}/", recursive=True))
    attacks = [
        ("executable renamed .pdf", "policy.pdf", EXECUTABLE, "application/pdf", 422),
        ("declared png, content pdf", "photo.png", SAMPLE_PDF, "image/png", 422),
        ("path traversal", "../../etc/permit.pdf", SAMPLE_PDF, "application/pdf", 422),
        ("path traversal, windows", "..\\..\\permit.pdf", SAMPLE_PDF, "application/pdf", 422),
        ("oversize", "big.pdf", SAMPLE_PDF + b"\x00" * (25 * 1024 * 1024), "application/pdf", 413),
    ]
    for attack, name, content, content_type, status in attacks:
        with pytest.raises(ApiError) as refused:
            cast.factory.upload_evidence(cap_id, item_id, name, content, content_type)
        assert refused.value.status == status, (attack, refused.value.problem)
        assert refused.value.problem["detail"], attack

    for attack, declaration in [
        ("oversize declared", declared(SAMPLE_PDF, size_bytes=26 * 1024 * 1024)),
        ("path traversal", declared(SAMPLE_PDF, filename="../permit.pdf")),
        ("executable type declared", declared(SAMPLE_PDF, content_type="application/x-msdownload")),
    ]:
        with pytest.raises(ApiError) as refused:
            cast.factory.request_upload(cap_id, item_id, **declaration)
        assert refused.value.status in (413, 422), attack

    after = set(bucket_client(stack).list_objects("evidence", prefix=f"{cast.factory_id}/", recursive=True))
    assert {o.object_name for o in after} == {o.object_name for o in before} == set()
    assert cast.member_a.evidence_versions(cap_id, item_id) == []
