"""Property: whatever members link and unlink, factory-registry's reads leak nothing and hide nothing.

Random worlds (sites, Factory Profiles naming subcontractors, links and unlinks by
three members) are built through the public API of the running stack; then
every read endpoint of factory-registry is checked for every member and site.
A sentinel member links to every site last: events about one site keep their
order, so once the sentinel sees a site, every earlier link change has arrived.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from shared_audits_client import ApiError, PlatformClient, eventually
from tests.integration.stack import Stack

MEMBERS = 3
MAX_SITES = 3
EXAMPLES = 12  # plus one explicit world; about 10 s each on the local stack, under 3 minutes in all
CARD_KEYS = {"factory_id", "name", "city", "country", "identifiers"}
WORKFORCE = {"female": 10, "male": 10, "permanent": 15, "temporary": 5}


@dataclass
class World:
    sites: int
    subcontractors: dict[int, list[int]]  # site -> the sites its profile names
    link_changes: list[tuple[int, int, bool]] = field(default_factory=list)  # member, site, link?


@st.composite
def worlds(draw: st.DrawFn) -> World:
    sites = draw(st.integers(1, MAX_SITES))
    subcontractors = {}
    for site in range(sites):
        others = [other for other in range(sites) if other != site]
        if draw(st.booleans()):
            subcontractors[site] = draw(st.lists(st.sampled_from(others), unique=True)) if others else []
    changes = draw(st.lists(st.tuples(st.integers(0, MEMBERS - 1), st.integers(0, sites - 1), st.booleans()),
                            max_size=8))
    return World(sites, subcontractors, changes)


@dataclass
class Members:
    operator: PlatformClient
    members: list[PlatformClient]
    sentinel: PlatformClient


@pytest.fixture(scope="module")
def members(stack: Stack) -> Iterator[Members]:
    operator = PlatformClient.login(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    label = uuid.uuid4().hex[:6]

    def login(name: str) -> PlatformClient:
        org = operator.register_organisation(f"{name} {label}", "member")
        return PlatformClient.login(stack.gateway_url, org.client_id, org.client_secret)

    cast = Members(operator, [login(f"Property brand {i}") for i in range(MEMBERS)], login("Sentinel brand"))
    yield cast
    for client in (cast.operator, cast.sentinel, *cast.members):
        client.close()


def _status(call) -> int:
    try:
        call()
    except ApiError as error:
        return error.status
    return 200


def _not_found_body(client: PlatformClient, path: str) -> dict:
    response = client.send("GET", path)
    assert response.status_code == 404, (path, response.status_code, response.text)
    return response.json()


def _build(stack: Stack, cast: Members, world: World) -> tuple[str, list[str], set[tuple[int, int]], set[int]]:
    label = uuid.uuid4().hex[:10]
    site_ids = [
        cast.operator.register_factory(f"Prop {label} site {i}", "BD", city="Dhaka", confirm_new=True)["factory_id"]
        for i in range(world.sites)
    ]
    submitted = set()
    for site, subs in world.subcontractors.items():
        org = eventually(lambda s=site: cast.operator.register_organisation(f"Prop {label} {s}", "factory",
                                                                            site_ids[s]))
        account = PlatformClient.login(stack.gateway_url, org.client_id, org.client_secret)
        processes = [{"name": "cutting", "kind": "internal"}] + [
            {"name": f"process for {site}", "kind": "external", "subcontractor_id": site_ids[sub]} for sub in subs
        ]
        account.submit_profile(site_ids[site], {"workforce": WORKFORCE, "processes": processes})
        account.close()
        submitted.add(site)
    linked: set[tuple[int, int]] = set()
    for member, site, link in world.link_changes:
        client = cast.members[member]
        if link and (member, site) in linked:
            # Linking again with the same relationship changes nothing (access-control may say 409).
            assert _status(lambda c=client, s=site: c.link_factory(site_ids[s])) in (200, 409)
        elif link:
            eventually(lambda c=client, s=site: c.link_factory(site_ids[s]))
            linked.add((member, site))
        elif (member, site) in linked:
            client.unlink_factory(site_ids[site])
            linked.discard((member, site))
        else:
            assert _status(lambda c=client, s=site: c.unlink_factory(site_ids[s])) in (404, 409)
    for site_id in site_ids:
        eventually(lambda f=site_id: cast.sentinel.link_factory(f))
    for site_id in site_ids:
        eventually(lambda f=site_id: cast.sentinel.factory(f))
    return label, site_ids, linked, submitted


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
# Always covered: a link undone, a subcontractor seen from a member linked only to it, a link to both sides.
@example(world=World(2, {0: [1]}, [(0, 0, True), (1, 1, True), (0, 0, False), (2, 0, True), (2, 1, True)]))
def test_every_registry_read_shows_each_member_exactly_its_linked_sites(
    stack: Stack, members: Members, world: World
) -> None:
    label, site_ids, linked, submitted = _build(stack, members, world)
    unknown = str(uuid.uuid4())
    # A hidden id and an unknown one must answer alike, byte for byte once the id is masked.
    paths = ["/registry/factories/{}", "/registry/factories/{}/profile", "/registry/factories/{}/profiles",
             "/registry/factories/{}/profiles/1", "/registry/factories/{}/supply-chain/upstream",
             "/registry/factories/{}/supply-chain/downstream"]
    absent = {path: _not_found_body(members.members[0], path.format(unknown)) for path in paths}

    for m, client in enumerate(members.members):
        sees = {s for s in range(world.sites) if (m, s) in linked}
        listed = {f["factory_id"] for f in client.factories()} & set(site_ids)
        assert listed == {site_ids[s] for s in sees}, f"member {m} lists the wrong sites"

        found = client.search_factories(name=f"Prop {label}")
        assert {r["factory_id"] for r in found} == set(site_ids)  # search finds any site...
        assert all(set(r) == CARD_KEYS | {"score"} for r in found)  # ...as its card only

        for s, site_id in enumerate(site_ids):
            if s not in sees:
                for path in paths:
                    hidden = _not_found_body(client, path.format(site_id))
                    assert hidden["detail"].replace(site_id, "ID") == absent[path]["detail"].replace(unknown, "ID")
                continue
            assert client.factory(site_id)["factory_id"] == site_id
            if s in submitted:
                assert client.profile(site_id)["profile_version"] == 1
                assert [v["profile_version"] for v in client.profile_history(site_id)] == [1]
            else:
                assert _status(lambda f=site_id: client.profile(f)) == 404
                assert client.profile_history(site_id) == []
            upstream = client.supply_chain(site_id, "upstream")["sites"]
            assert [e["site"]["factory_id"] for e in upstream] == sorted(
                site_ids[sub] for sub in world.subcontractors.get(s, [])
            )
            assert all(set(e["site"]) == CARD_KEYS and e["processes"] for e in upstream)
            downstream = client.supply_chain(site_id, "downstream")["sites"]
            contractors = {site_ids[c] for c, subs in world.subcontractors.items() if s in subs}
            assert {e["site"]["factory_id"] for e in downstream} == contractors
            for entry in downstream:
                assert set(entry["site"]) == CARD_KEYS
                contractor = site_ids.index(entry["site"]["factory_id"])
                # A contractor's processes are its profile data: only for members linked to it.
                assert (entry["processes"] is not None) == ((m, contractor) in linked)
