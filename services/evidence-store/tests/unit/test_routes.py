"""evidence-store's routes in process (build_app over fakes, TestKafkaBroker): confidentiality and the upload rules."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import httpx
import pytest

from shared_audits.auth import Principal
from shared_audits.contracts.events import EvidenceRejectedOnUpload, EvidenceStored
from shared_audits.testing import (
    InMemorySharedAdapters,
    RunningApp,
    assert_answered_as_unknown,
    audit_company,
    factory_account,
    member,
    operator,
)

from .fakes import CAP_ITEM, EXECUTABLE, FACTORY, LINKED_MEMBER, OTHER_MEMBER, PDF, FakeBucket

CAP_ID, ITEM_ID = CAP_ITEM


def as_(shared: InMemorySharedAdapters, caller: Principal) -> dict[str, str]:
    return shared.token_verifier.headers(caller)


async def upload(app: RunningApp, shared: InMemorySharedAdapters, content: bytes = PDF,
                 name: str = "permit.pdf", caller: Principal | None = None) -> httpx.Response:
    return await app.client.post(
        f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/files",
        files={"file": (name, content, "application/pdf")},
        headers=as_(shared, caller or factory_account(FACTORY)),
    )


async def stored_evidence_id(app: RunningApp, shared: InMemorySharedAdapters) -> str:
    answer = await upload(app, shared)
    assert answer.status_code == 201, answer.text
    return answer.json()["evidence_id"]


def factory_scoped_reads(evidence_id: str) -> list[tuple[str, str]]:
    """Every factory-scoped GET route: (path for the stored evidence, the same path for an unknown id)."""
    return [
        (f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/files", f"/evidence/caps/{CAP_ID}/items/i-unknown/files"),
        (f"/evidence/files/{evidence_id}", "/evidence/files/e-unknown"),
        (f"/evidence/files/{evidence_id}/download", "/evidence/files/e-unknown/download"),
    ]


async def test_every_factory_scoped_read_answers_an_unlinked_member_as_for_an_unknown_id(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    evidence_id = await stored_evidence_id(app, shared)
    for path, unknown_path in factory_scoped_reads(evidence_id):
        hidden = await app.client.get(path, headers=as_(shared, member(OTHER_MEMBER)))
        unknown = await app.client.get(unknown_path, headers=as_(shared, member(OTHER_MEMBER)))
        assert_answered_as_unknown(hidden, unknown, {evidence_id: "e-unknown", ITEM_ID: "i-unknown"})


@pytest.mark.parametrize("caller", [member(LINKED_MEMBER), factory_account(FACTORY), operator()],
                         ids=["linked member", "the factory", "operator"])
async def test_every_factory_scoped_read_answers_who_may_see_the_factory(
    app: RunningApp, shared: InMemorySharedAdapters, caller: Principal
) -> None:
    evidence_id = await stored_evidence_id(app, shared)
    for path, _ in factory_scoped_reads(evidence_id):
        answer = await app.client.get(path, headers=as_(shared, caller))
        assert answer.status_code == 200, (path, answer.text)


async def test_an_audit_company_and_an_unlinked_site_see_nothing(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    evidence_id = await stored_evidence_id(app, shared)
    for caller in (audit_company("ac-1"), factory_account("f-2")):
        for path, _ in factory_scoped_reads(evidence_id):
            assert (await app.client.get(path, headers=as_(shared, caller))).status_code == 404


async def test_an_upload_is_stored_announced_and_listed_as_version_1(
    app: RunningApp, shared: InMemorySharedAdapters, bucket: FakeBucket
) -> None:
    answer = await upload(app, shared)

    assert answer.status_code == 201
    body = answer.json()
    assert (body["sha256"], body["version_number"], body["review_status"]) == (
        hashlib.sha256(PDF).hexdigest(), 1, "submitted")
    assert "object_key" not in body and "uploaded_by" not in body
    assert list(bucket.objects.values()) == [PDF]
    await shared.relay.flush()
    assert [(e.type, e.payload["evidence_id"]) for e in shared.relay.sent] == [
        (EvidenceStored.TYPE, body["evidence_id"])]
    versions = await app.client.get(f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/files",
                                    headers=as_(shared, member(LINKED_MEMBER)))
    assert [v["evidence_id"] for v in versions.json()] == [body["evidence_id"]]


async def test_the_versions_of_an_item_page_with_a_link_to_the_next(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    uploaded = [await stored_evidence_id(app, shared) for _ in range(3)]
    reader = as_(shared, member(LINKED_MEMBER))

    first = await app.client.get(f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/files?limit=2", headers=reader)
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"') and first.headers["X-Next-Cursor"] == "2"
    rest = await app.client.get(link[1:link.index(">")], headers=reader)

    assert [v["version_number"] for v in first.json() + rest.json()] == [1, 2, 3]
    assert [v["evidence_id"] for v in first.json() + rest.json()] == uploaded
    assert "Link" not in rest.headers
    bad_cursor = await app.client.get(f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/files?cursor=x", headers=reader)
    assert bad_cursor.status_code == 422


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [(PDF + b"0" * 2048, "big.pdf", 413), (EXECUTABLE, "policy.pdf", 422), (PDF, "../permit.pdf", 422),
     (b"", "empty.pdf", 422)],
    ids=["too large", "an executable named .pdf", "a path as name", "empty"],
)
async def test_a_refused_upload_is_a_problem_and_stores_nothing(
    app: RunningApp, shared: InMemorySharedAdapters, bucket: FakeBucket, content: bytes, name: str, status: int
) -> None:
    answer = await upload(app, shared, content, name)

    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert bucket.objects == {} and shared.relay.pending == []


async def test_only_the_factory_of_the_cap_uploads(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    assert (await upload(app, shared, caller=member(LINKED_MEMBER))).status_code == 403
    for caller in (member(OTHER_MEMBER), factory_account("f-2")):
        assert (await upload(app, shared, caller=caller)).status_code == 404


async def test_a_presigned_upload_is_verified_on_completion_and_a_bad_one_refused(
    app: RunningApp, shared: InMemorySharedAdapters, bucket: FakeBucket
) -> None:
    factory = as_(shared, factory_account(FACTORY))
    declared = {"filename": "permit.pdf", "content_type": "application/pdf", "size_bytes": len(PDF),
                "sha256": hashlib.sha256(PDF).hexdigest()}
    good = (await app.client.post(f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/uploads", json=declared,
                                  headers=factory)).json()
    bad = (await app.client.post(f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/uploads", json=declared,
                                 headers=factory)).json()
    assert good["expires_in"] == 300 and good["upload_url"].startswith("http://")
    assert (await app.client.post(f"/evidence/uploads/{good['upload_id']}/complete", headers=factory)).status_code == 409
    for ticket, content in ((good, PDF), (bad, EXECUTABLE[: len(PDF)])):
        bucket.objects[ticket["upload_url"].split("/", 3)[3].split("?")[0]] = content  # the factory's PUT

    completed = await app.client.post(f"/evidence/uploads/{good['upload_id']}/complete", headers=factory)
    refused = await app.client.post(f"/evidence/uploads/{bad['upload_id']}/complete", headers=factory)

    assert completed.status_code == 201 and completed.json()["sha256"] == declared["sha256"]
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    await shared.relay.flush()
    assert [e.type for e in shared.relay.sent] == [EvidenceStored.TYPE, EvidenceRejectedOnUpload.TYPE]


async def test_a_machine_client_reads_only_with_the_evidence_read_scope(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    evidence_id = await stored_evidence_id(app, shared)
    scoped = replace(member(LINKED_MEMBER), scopes=frozenset({"evidence:read"}))
    unscoped = replace(member(LINKED_MEMBER), scopes=frozenset({"caps:read"}))

    assert (await app.client.get(f"/evidence/files/{evidence_id}", headers=as_(shared, scoped))).status_code == 200
    assert (await app.client.get(f"/evidence/files/{evidence_id}", headers=as_(shared, unscoped))).status_code == 403
    assert (await app.client.get(f"/evidence/files/{evidence_id}")).status_code == 401
