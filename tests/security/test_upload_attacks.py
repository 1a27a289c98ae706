"""Attacks on evidence uploads through the gateway: every one refused, nothing in the bucket or the metadata."""

import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from minio import Minio

from shared_audits_client.api import ApiError
from shared_audits_client.story import SAMPLE_PDF, Cast, assemble_cast
from tests.faults.helpers import CapLoad, database, open_caps
from tests.integration.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.security]

ELF_EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
LIMIT = 25 * 1024 * 1024  # evidence-store's default max_upload_bytes


@pytest.fixture(scope="module")
def cast(stack: Stack) -> Iterator[Cast]:
    """One site and CAP for every attack of this module (each attack must leave it empty)."""
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    yield cast
    cast.close()


@pytest.fixture(scope="module")
def load(stack: Stack, cast: Cast) -> CapLoad:
    return open_caps(stack, cast, audits=1, findings_per_report=1)


def _stored_for(stack: Stack, load: CapLoad) -> tuple[int, list[str]]:
    """Evidence metadata documents and bucket objects of this factory."""
    documents = database(stack, "evidence-store").evidence.count_documents({"factory_id": load.factory_id})
    bucket = Minio(stack.s3_endpoint, access_key=stack.s3_access_key, secret_key=stack.s3_secret_key,
                   secure=False, region="us-east-1")
    objects = [o.object_name for o in bucket.list_objects("evidence", prefix=f"{load.factory_id}/", recursive=True)]
    return documents, objects


ATTACKS = {
    "oversize body": ("big.pdf", SAMPLE_PDF + b"0" * (LIMIT + 1), "application/pdf", 413),
    "wrong declared content type": ("permit.pdf", SAMPLE_PDF, "image/png", 422),
    "executable renamed .pdf": ("permit.pdf", ELF_EXECUTABLE, "application/pdf", 422),
    "path traversal name": ("../../../etc/cron.d/permit.pdf", SAMPLE_PDF, "application/pdf", 422),
    "windows traversal name": ("..\\..\\permit.pdf", SAMPLE_PDF, "application/pdf", 422),
    "truncated pdf renamed": ("permit.pdf", b"%PD", "application/pdf", 422),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_an_upload_attack_is_refused_and_nothing_is_stored(stack: Stack, cast: Cast, load: CapLoad, attack: str) -> None:
    filename, content, declared, status = ATTACKS[attack]
    cap_id, item_id = next(load.items())
    with pytest.raises(ApiError) as refused:
        cast.factory.upload_evidence(cap_id, item_id, filename, content, declared)
    assert refused.value.status == status, refused.value.problem
    assert refused.value.problem["status"] == status and refused.value.problem["detail"]
    assert _stored_for(stack, load) == (0, [])


def test_an_upload_cut_off_mid_body_stores_nothing(stack: Stack, cast: Cast, load: CapLoad) -> None:
    cap_id, item_id = next(load.items())
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"permit.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    body = head + SAMPLE_PDF + f"\r\n--{boundary}--\r\n".encode()
    token = cast.factory._http.headers["Authorization"]
    gateway = urlsplit(stack.gateway_url)
    request = (f"POST /evidence/caps/{cap_id}/items/{item_id}/files HTTP/1.1\r\nHost: {gateway.netloc}\r\n"
               f"Authorization: {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Content-Length: {len(body) + 100_000}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((gateway.hostname, gateway.port), timeout=10) as connection:
        connection.sendall(request + body[: len(body) // 2])  # half the body, then the client goes away
    # The complete upload still works afterwards, and is the only thing stored.
    cast.factory.upload_evidence(cap_id, item_id, "permit.pdf", SAMPLE_PDF, "application/pdf")
    documents, objects = _stored_for(stack, load)
    assert documents == 1 and len(objects) == 1
