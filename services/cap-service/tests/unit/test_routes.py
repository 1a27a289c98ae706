"""cap-service's routes in process (build_app over fakes, TestKafkaBroker): confidentiality and the CAP rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cap_service.bootstrap import Adapters
from cap_service.domain.model import Cap
from shared_audits.auth import Principal
from shared_audits.testing import (
    InMemorySharedAdapters,
    RunningApp,
    audit_company,
    factory_account,
    member,
    operator,
)

from .fakes import OTHER_MEMBER, REPORT, stored

CAP_ID = Cap.id_for_audit(REPORT.audit_id)


def as_(shared: InMemorySharedAdapters, caller: Principal) -> dict[str, str]:
    return shared.token_verifier.headers(caller)


async def opened(app: RunningApp, adapters: Adapters, audit_id: str = REPORT.audit_id) -> Cap:
    report = REPORT.model_copy(update={"audit_id": audit_id})
    await app.publish(report, producer="audit-service")
    return await adapters.caps.get(Cap.id_for_audit(audit_id))


def factory_scoped_reads(cap_id: str) -> list[tuple[str, str]]:
    """Every factory-scoped GET route: (path for the world's CAP or factory, the same path for an unknown id)."""
    return [
        ("/caps/caps?factory_id=f-1", "/caps/caps?factory_id=f-unknown"),
        (f"/caps/caps/{cap_id}", "/caps/caps/c-unknown"),
        (f"/caps/caps/{cap_id}/record", "/caps/caps/c-unknown/record"),
    ]


async def test_every_factory_scoped_read_answers_an_unlinked_member_as_for_an_unknown_id(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    cap = await opened(app, adapters)
    for path, unknown_path in factory_scoped_reads(cap.id):
        hidden = await app.client.get(path, headers=as_(shared, member(OTHER_MEMBER)))
        unknown = await app.client.get(unknown_path, headers=as_(shared, member(OTHER_MEMBER)))
        assert hidden.status_code == unknown.status_code == 404, path
        assert hidden.headers["content-type"] == unknown.headers["content-type"] == "application/problem+json"
        hidden_body, unknown_body = hidden.json(), unknown.json()
        assert {**hidden_body, "detail": None} == {**unknown_body, "detail": None}, path
        # The detail names only what the caller asked for, as for an id that does not exist.
        assert hidden_body["detail"].replace(cap.id, "?").replace("f-1", "?") == \
            unknown_body["detail"].replace("c-unknown", "?").replace("f-unknown", "?")


@pytest.mark.parametrize("caller", [member("m-a"), factory_account("f-1"), operator()],
                         ids=["linked member", "the factory", "operator"])
async def test_every_factory_scoped_read_answers_who_may_see_the_factory(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters, caller: Principal,
) -> None:
    cap = await opened(app, adapters)
    for path, _ in factory_scoped_reads(cap.id):
        answer = await app.client.get(path, headers=as_(shared, caller))
        assert answer.status_code == 200, (path, answer.text)


async def test_an_audit_company_and_another_site_see_nothing(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    cap = await opened(app, adapters)
    for caller in (audit_company("ac-1"), factory_account("f-2")):
        for path, _ in factory_scoped_reads(cap.id):
            assert (await app.client.get(path, headers=as_(shared, caller))).status_code == 404, path


async def test_a_factory_s_caps_page_with_a_cursor_and_a_next_link(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    for index in range(3):
        await opened(app, adapters, f"a-{index}")
    seen, url = [], "/caps/caps?factory_id=f-1&limit=2"
    while url:
        answer = await app.client.get(url, headers=as_(shared, member("m-a")))
        assert answer.status_code == 200, answer.text
        seen.append([cap["cap_id"] for cap in answer.json()])
        url = answer.links.get("next", {}).get("url")
        assert (url is None) == ("X-Next-Cursor" not in answer.headers)
    assert [len(page) for page in seen] == [2, 1]
    assert sorted(cap_id for page in seen for cap_id in page) == sorted(Cap.id_for_audit(f"a-{i}") for i in range(3))


async def test_an_item_reads_overdue_once_the_check_has_flagged_it(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    # Published in a year whose deadlines the service's own scheduled check cannot have reached.
    await app.publish(REPORT.model_copy(update={"published_at": datetime(2099, 3, 1, tzinfo=UTC)}),
                      producer="audit-service")
    scan = await app.client.post("/caps/overdue-scans", json={"as_of": "2099-04-01"}, headers=as_(shared, operator()))
    assert scan.status_code == 200, scan.text

    answer = await app.client.get(f"/caps/caps/{CAP_ID}", headers=as_(shared, member("m-b")))
    assert [item["overdue"] for item in answer.json()["items"]] == [True, False]  # the critical item only


async def test_a_second_decision_on_an_item_is_a_conflict_and_another_member_reads_a_linked_member(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    cap = await opened(app, adapters)
    await app.publish(stored(cap, 0, "e-1"), producer="evidence-store")
    path = f"/caps/caps/{CAP_ID}/items/{cap.items[0].item_id}/decisions"

    first = await app.client.post(path, json={"decision": "accept"}, headers=as_(shared, member("m-a")))
    second = await app.client.post(path, json={"decision": "reject", "comment": "No"},
                                   headers=as_(shared, member("m-b")))
    read_by_b = await app.client.get(f"/caps/caps/{CAP_ID}", headers=as_(shared, member("m-b")))

    assert (first.status_code, second.status_code) == (200, 409)
    assert second.headers["content-type"] == "application/problem+json"
    [decision] = read_by_b.json()["items"][0]["decisions"]
    assert (decision["member_id"], decision["decided_by"]) == ("linked-member", "linked-member")
    assert first.json()["items"][0]["decisions"][0]["member_id"] == "m-a"  # its own, by name


async def test_only_the_factory_writes_its_plan(app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters) -> None:
    cap = await opened(app, adapters)
    path = f"/caps/caps/{CAP_ID}/items/{cap.items[0].item_id}/plan"
    plan = {"root_cause": "Key kept by one guard", "corrective_action": "Panic bars", "owner": "Maintenance",
            "target_date": "2026-03-25"}

    by_member = await app.client.put(path, json=plan, headers=as_(shared, member("m-a")))
    by_factory = await app.client.put(path, json=plan, headers=as_(shared, factory_account("f-1")))
    too_late = await app.client.put(path, json={**plan, "target_date": "2026-04-30"},
                                    headers=as_(shared, factory_account("f-1")))

    assert (by_member.status_code, by_factory.status_code, too_late.status_code) == (403, 200, 422)
    assert too_late.json()["errors"][0]["field"] == "body.target_date"


async def test_the_record_keys_are_public_and_only_the_operator_signs_a_checkpoint_now(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    await opened(app, adapters)
    keys = await app.client.get("/caps/record-keys")
    by_member = await app.client.post("/caps/record-checkpoints", headers=as_(shared, member("m-a")))
    by_operator = await app.client.post("/caps/record-checkpoints", headers=as_(shared, operator()))
    record = await app.client.get(f"/caps/caps/{CAP_ID}/record", headers=as_(shared, member("m-a")))

    assert keys.status_code == 200 and len(keys.json()["keys"]) == 1
    assert (by_member.status_code, by_operator.status_code) == (403, 200)
    assert by_operator.json()["checkpoint"]["body"]["tree_size"] == 1
    assert record.json()["checkpoint"]["body"] == by_operator.json()["checkpoint"]["body"]
