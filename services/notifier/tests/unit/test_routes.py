"""notifier's routes in process: the app built on fakes (no MongoDB, no Kafka, no SMTP), called over HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx

from notifier.bootstrap import Adapters
from shared_audits.auth import Principal
from shared_audits.contracts.enums import LinkRelationship
from shared_audits.contracts.events import CapClosed, FactoryLinked, FactoryUnlinked
from shared_audits.testing import InMemorySharedAdapters, RunningApp, audit_company, factory_account, member

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
SECRET = "s" * 32
HOOK = "https://hooks.member.example/in"


async def call(app: RunningApp, shared: InMemorySharedAdapters, caller: Principal, method: str, path: str,
               **kwargs) -> httpx.Response:
    return await app.client.request(method, f"/notifier{path}", headers=shared.token_verifier.headers(caller),
                                    **kwargs)


def same_problem(one: httpx.Response, other: httpx.Response, one_id: str, other_id: str) -> bool:
    return one.text.replace(one_id, "ID") == other.text.replace(other_id, "ID")


async def test_the_inbox_tells_a_member_only_of_the_factories_it_is_linked_to_now(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    await app.publish(FactoryLinked(member_id="m-1", factory_id="f-1", relationship=LinkRelationship.SUPPLIER,
                                    linked_at=NOW), producer="access-control")
    for factory_id in ("f-1", "f-2"):
        await app.publish(CapClosed(cap_id=f"c-{factory_id}", factory_id=factory_id, closed_at=NOW),
                          producer="cap-service")

    inbox = await call(app, shared, member("m-1"), "GET", "/inbox")
    assert inbox.status_code == 200, inbox.text
    assert {(entry["event_type"], entry["factory_id"]) for entry in inbox.json()} == {
        ("FactoryLinked", "f-1"), ("CapClosed", "f-1")}
    assert (await call(app, shared, member("m-2"), "GET", "/inbox")).json() == []

    await app.publish(FactoryUnlinked(member_id="m-1", factory_id="f-1", unlinked_at=NOW), producer="access-control")
    assert (await call(app, shared, member("m-1"), "GET", "/inbox")).json() == []  # unlinked: told of nothing


async def test_another_members_webhook_answers_404_exactly_as_an_unknown_one(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    registered = await call(app, shared, member("m-1"), "POST", "/webhooks", json={"url": HOOK, "secret": SECRET})
    assert registered.status_code == 201, registered.text
    webhook_id = registered.json()["webhook_id"]
    for method, suffix in [("POST", "/enable"), ("POST", "/secret/rotate"), ("DELETE", "")]:
        hidden = await call(app, shared, member("m-2"), method, f"/webhooks/{webhook_id}{suffix}")
        unknown = await call(app, shared, member("m-2"), method, f"/webhooks/w-unknown{suffix}")
        assert (hidden.status_code, unknown.status_code) == (404, 404), suffix
        assert hidden.headers["content-type"] == "application/problem+json"
        assert same_problem(hidden, unknown, webhook_id, "w-unknown"), suffix
    assert (await call(app, shared, member("m-2"), "GET", "/webhooks")).json() == []
    [own] = (await call(app, shared, member("m-1"), "GET", "/webhooks")).json()
    assert (own["webhook_id"], own["url"], own["status"]) == (webhook_id, HOOK, "active")


async def test_outside_development_a_webhook_url_must_be_https_and_public(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    plain = await call(app, shared, member("m-1"), "POST", "/webhooks",
                       json={"url": "http://hooks.member.example/in", "secret": SECRET})
    assert plain.status_code == 422
    assert plain.headers["content-type"] == "application/problem+json"
    assert plain.json()["errors"] == [
        {"field": "body.url", "message": "webhook URLs must use https", "type": "url_scheme"}]

    internal = await call(app, shared, member("m-1"), "POST", "/webhooks",
                          json={"url": "https://169.254.169.254/latest", "secret": SECRET})
    assert internal.status_code == 422
    [error] = internal.json()["errors"]
    assert (error["field"], error["type"]) == ("body.url", "webhook_target_refused")
    assert "cloud metadata" in error["message"]
    assert (await call(app, shared, member("m-1"), "GET", "/webhooks")).json() == []


async def test_webhooks_are_for_members_and_every_route_for_a_signed_in_caller(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    for caller in (factory_account("f-1"), audit_company("ac-1")):
        refused = await call(app, shared, caller, "POST", "/webhooks", json={"url": HOOK, "secret": SECRET})
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await call(app, shared, caller, "GET", "/inbox")).status_code == 403
    for path in ("/inbox", "/webhooks", "/recipients", "/deliveries"):
        assert (await app.client.get(f"/notifier{path}")).status_code == 401, path


async def test_each_organisation_lists_only_its_own_recipients_and_delivery_log(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    for caller, email in [(member("m-1"), "Safety@Brand.example"), (factory_account("f-1"), "lin@site.example")]:
        put = await call(app, shared, caller, "PUT", "/recipients",
                         json={"email": email, "preference": "daily_digest", "language": "fr"})
        assert put.status_code == 200, put.text
    [recipient] = (await call(app, shared, member("m-1"), "GET", "/recipients")).json()
    assert (recipient["email"], recipient["preference"], recipient["language"]) == (
        "safety@brand.example", "daily_digest", "fr")
    assert [r["email"] for r in (await call(app, shared, factory_account("f-1"), "GET", "/recipients")).json()] == [
        "lin@site.example"]

    await call(app, shared, member("m-1"), "POST", "/webhooks", json={"url": HOOK, "secret": SECRET})
    await app.publish(FactoryLinked(member_id="m-1", factory_id="f-1", relationship=LinkRelationship.SUPPLIER,
                                    linked_at=NOW), producer="access-control")
    log = (await call(app, shared, member("m-1"), "GET", "/deliveries")).json()
    assert [(d["channel"], d["event_type"], d["factory_id"]) for d in log] == [("webhook", "FactoryLinked", "f-1")]
    assert "envelope" not in log[0] and "member_id" not in log[0]
    assert (await call(app, shared, member("m-2"), "GET", "/deliveries")).json() == []


async def test_the_inbox_and_the_delivery_log_answer_a_page_at_a_time_with_a_link_to_the_next(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    await call(app, shared, member("m-1"), "POST", "/webhooks", json={"url": HOOK, "secret": SECRET})
    await app.publish(FactoryLinked(member_id="m-1", factory_id="f-1", relationship=LinkRelationship.SUPPLIER,
                                    linked_at=NOW), producer="access-control")
    for n in range(4):
        await app.publish(CapClosed(cap_id=f"c-{n}", factory_id="f-1", closed_at=NOW), producer="cap-service")

    for path, key in (("/inbox", "event_id"), ("/deliveries", "delivery_id")):
        everything = (await call(app, shared, member("m-1"), "GET", path)).json()
        assert len(everything) == 5, path
        page = await call(app, shared, member("m-1"), "GET", path, params={"limit": 2})
        seen = []
        while True:
            assert page.status_code == 200, page.text
            seen += [entry[key] for entry in page.json()]
            if "Link" not in page.headers:
                break
            assert page.headers["Link"].endswith('>; rel="next"') and page.headers["X-Next-Cursor"] == seen[-1]
            next_page = page.headers["Link"].split(">")[0].lstrip("<")
            page = await app.client.get(next_page, headers=shared.token_verifier.headers(member("m-1")))
        assert seen == [entry[key] for entry in everything], path  # each once, newest first


async def test_a_members_machine_client_reads_with_feed_read_and_registers_no_webhook(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    reader = replace(member("m-1"), scopes=frozenset({"feed:read"}))
    other = replace(member("m-1"), scopes=frozenset({"evidence:read"}))
    assert (await call(app, shared, reader, "GET", "/inbox")).status_code == 200
    refused = await call(app, shared, other, "GET", "/inbox")
    assert refused.status_code == 403 and "feed:read" in refused.json()["detail"]
    assert (await call(app, shared, reader, "POST", "/webhooks",
                       json={"url": HOOK, "secret": SECRET})).status_code == 403  # notifier offers no write scope
