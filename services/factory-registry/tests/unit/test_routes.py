"""factory-registry's routes in process: the app built on fakes (no MongoDB, no Kafka), called over HTTP."""

from __future__ import annotations

import pytest

from shared_audits.auth import Principal
from shared_audits.testing import InMemorySharedAdapters, factory_account, member, operator
from shared_audits.testing.app import RunningApp

WORKFORCE = {"female": 120, "male": 80, "permanent": 180, "temporary": 20}
FACTORY_SCOPED_READS = ["", "/profile", "/profiles", "/profiles/1", "/supply-chain/upstream",
                        "/supply-chain/downstream"]


async def call(app: RunningApp, shared: InMemorySharedAdapters, caller: Principal, method: str, path: str,
               **kwargs):
    return await app.client.request(method, f"/registry{path}", headers=shared.token_verifier.headers(caller),
                                    **kwargs)


async def register(app: RunningApp, shared: InMemorySharedAdapters, name: str, **fields) -> str:
    body = {"name": name, "country": "BD", "city": "Gazipur", "confirm_new": True, **fields}
    response = await call(app, shared, operator(), "POST", "/factories", json=body)
    assert response.status_code == 201, response.text
    return response.json()["factory_id"]


async def test_every_factory_scoped_read_hides_an_unlinked_site_as_an_unknown_one(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    site = await register(app, shared, "Sunrise Garments")
    submitted = await call(app, shared, factory_account(site), "POST", f"/factories/{site}/profiles",
                           json={"workforce": WORKFORCE})
    assert submitted.status_code == 201, submitted.text
    for suffix in FACTORY_SCOPED_READS:
        hidden = await call(app, shared, member("m-1"), "GET", f"/factories/{site}{suffix}")
        unknown = await call(app, shared, member("m-1"), "GET", f"/factories/f-unknown{suffix}")
        assert (hidden.status_code, unknown.status_code) == (404, 404), suffix
        assert hidden.headers["content-type"] == "application/problem+json"
        assert hidden.text.replace(site, "ID") == unknown.text.replace("f-unknown", "ID"), suffix
    shared.links.links.add(("m-1", site))
    for suffix in FACTORY_SCOPED_READS:
        assert (await call(app, shared, member("m-1"), "GET", f"/factories/{site}{suffix}")).status_code == 200, suffix


async def test_the_sites_list_answers_a_page_at_a_time_with_a_link_to_the_next(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    ids = sorted([await register(app, shared, name) for name in ("Alpha Knits", "Bravo Dyeing", "Charlie Denim")])
    first = await call(app, shared, operator(), "GET", "/factories", params={"limit": 2})
    assert [site["factory_id"] for site in first.json()] == ids[:2]
    assert first.headers["X-Next-Cursor"] == ids[1]
    next_page = first.headers["Link"].split(">")[0].lstrip("<")
    rest = await app.client.get(next_page, headers=shared.token_verifier.headers(operator()))
    assert [site["factory_id"] for site in rest.json()] == ids[2:]
    assert "Link" not in rest.headers


async def test_a_merged_id_redirects_to_the_same_path_under_the_surviving_site(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    merged, surviving = await register(app, shared, "Sunrise One"), await register(app, shared, "Sunrise Two")
    done = await call(app, shared, operator(), "POST", "/merges",
                      json={"merged_factory_id": merged, "surviving_factory_id": surviving})
    assert done.status_code == 200, done.text
    redirect = await call(app, shared, operator(), "GET", f"/factories/{merged}/profiles", params={"limit": 5})
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == f"/registry/factories/{surviving}/profiles?limit=5"
    assert redirect.json()["merged_into"] == surviving


@pytest.mark.parametrize(("query", "message"), [
    ({"country": "BD"}, "search by name or identifier; country and city narrow"),
    ({"name": "ab"}, "at least 3 characters (2 in Chinese, Khmer...)"),
])
async def test_a_search_names_a_site_or_an_identifier(
    app: RunningApp, shared: InMemorySharedAdapters, query: dict, message: str
) -> None:
    refused = await call(app, shared, member("m-1"), "GET", "/search", params=query)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "query.name", "message": message, "type": "value_error"}]
    assert (await call(app, shared, member("m-1"), "GET", "/search", params={"name": "华丽"})).status_code == 200


async def test_only_the_operator_reviews_duplicates(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    await register(app, shared, "Sunrise Garments Ltd", address="Plot 7, BSCIC Industrial Estate")
    await register(app, shared, "Sunrise Garments Limited", address="Plot 7 BSCIC Industrial Estate")
    assert (await call(app, shared, member("m-1"), "GET", "/duplicates")).status_code == 403
    review = (await call(app, shared, operator(), "GET", "/duplicates", params={"limit": 1})).json()
    assert (review["total_pairs"], len(review["pairs"]), review["truncated"]) == (1, 1, False)
