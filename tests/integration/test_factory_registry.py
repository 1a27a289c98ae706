"""factory-registry through the gateway against the real stack: duplicates, profiles, supply chain, search, merges."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest

from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.story import Cast, link_on_behalf, link_with_consent
from tests.integration.stack import Stack

CARD_KEYS = {"factory_id", "name", "city", "country", "identifiers"}
WORKFORCE = {"female": 300, "male": 200, "permanent": 450, "temporary": 50, "migrant": 40, "under_18": 3}


def _label() -> str:
    return uuid.uuid4().hex[:8]


def _refused(call, status: int) -> dict:
    with pytest.raises(ApiError) as refused:
        call()
    assert refused.value.status == status, refused.value.problem
    return refused.value.problem


@pytest.fixture
def outsider(stack: Stack, cast: Cast) -> Iterator[PlatformClient]:
    """A member linked to nothing."""
    org = cast.operator.register_organisation(f"Brand C {_label()}", "member")
    client = PlatformClient.login(stack.gateway_url, org.client_id, org.client_secret)
    yield client
    client.close()


def _factory_account(stack: Stack, cast: Cast, factory_id: str) -> PlatformClient:
    org = eventually(lambda: cast.operator.register_organisation(f"Site account {_label()}", "factory", factory_id))
    return PlatformClient.login(stack.gateway_url, org.client_id, org.client_secret)


def test_a_lookalike_is_answered_with_candidates_and_registered_only_when_confirmed(cast: Cast) -> None:
    label = _label()
    first = cast.member_a.register_factory(
        f"Lotus Knitwear {label} Ltd", "VN", city="Hanoi", address=f"12 Industrial Road {label}",
        coordinates={"lat": 21.03, "lon": 105.85}, confirm_new=True,
        contact={"email": "compliance@lotus.example"}, sector="apparel",
    )
    lookalike = {"city": "Hanoi", "address": f"12 industrial rd {label}"}

    problem = _refused(lambda: cast.member_b.register_factory(f"LOTUS KNITWEAR {label}", "VN", **lookalike), 409)

    assert problem["title"] == "Possible duplicate"
    candidate = next(c for c in problem["candidates"] if c["factory_id"] == first["factory_id"])
    assert set(candidate) == CARD_KEYS | {"score", "matched_on"} and candidate["score"] >= 85
    created = cast.member_b.register_factory(f"LOTUS KNITWEAR {label}", "VN", confirm_new=True, **lookalike)
    assert created["factory_id"] != first["factory_id"]


def test_a_site_a_few_metres_away_is_a_candidate_unless_its_name_tells_it_apart(cast: Cast) -> None:
    lat, lon = 10 + secrets.randbelow(10_000) / 1000, 100 + secrets.randbelow(10_000) / 1000
    label = _label()
    first = cast.operator.register_factory(f"Site {label}", "TH", coordinates={"lat": lat, "lon": lon},
                                           confirm_new=True)
    # About 33 m away, a name of generic words only: nothing tells the two apart, so it is asked.
    problem = _refused(
        lambda: cast.operator.register_factory("Garment Factory", "TH", coordinates={"lat": lat + 0.0003, "lon": lon}),
        409,
    )
    assert [c["matched_on"] for c in problem["candidates"] if c["factory_id"] == first["factory_id"]] == [
        ["coordinates"]
    ]
    # Another name on the same spot is another site: a building holds several factories.
    tenant = cast.operator.register_factory(f"Other {_label()}", "TH", coordinates={"lat": lat + 0.0003, "lon": lon})
    assert tenant["factory_id"] != first["factory_id"]


def test_a_duplicate_identifier_is_a_409_naming_the_field(cast: Cast) -> None:
    duns = f"{secrets.randbelow(10**9):09d}"
    cast.operator.register_factory(f"Alpha {_label()}", "KH", identifiers={"duns": duns}, confirm_new=True)
    name = f"Beta {_label()}"
    problem = _refused(
        lambda: cast.member_a.register_factory(name, "KH", identifiers={"duns": duns}, confirm_new=True), 409
    )
    assert problem["errors"][0]["field"] == "body.identifiers.duns"
    assert cast.member_a.search_factories(name=name, country="KH") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XX"}, "body.country"),
        ({"coordinates": {"lat": 123.0, "lon": 0}}, "body.coordinates.lat"),
        ({"coordinates": "north-east"}, "body.coordinates"),
        ({"name": "x" * 5000}, "body.name"),
        ({"colour": "blue"}, "body.colour"),
        ({"identifiers": {"lei": "5493001KJTIIGC8Y1R13"}}, "body.identifiers.lei"),
    ],
)
def test_bad_site_input_is_a_422_naming_the_field(cast: Cast, changes: dict, field: str) -> None:
    body = {"name": f"Bad {_label()}", "country": "BD", "confirm_new": True, **changes}
    response = cast.member_a.send("POST", "/registry/factories", json=body)
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}


def test_profile_versions_are_kept_and_only_the_linked_see_them(stack: Stack, cast: Cast, outsider) -> None:
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    first = cast.factory.submit_profile(cast.factory_id, {"workforce": WORKFORCE})
    second = cast.factory.submit_profile(cast.factory_id, {
        "workforce": WORKFORCE,
        "buildings": [{"name": "Main", "use": "production", "floors": 4}],
        "dormitories": {"provided": True, "buildings": 1, "residents": 120},
        "certifications": [{"scheme": "ISO 14001", "expires_on": "2020-01-31"}],
        "processes": [{"name": "sewing", "kind": "internal"}],
    })
    assert (first["profile_version"], second["profile_version"]) == (1, 2)
    assert second["completeness"] > first["completeness"]
    assert second["certifications"][0]["expired"] is True

    current = eventually(lambda: cast.member_a.profile(cast.factory_id))
    assert current["profile_version"] == 2 and current["workforce_total"] == 500
    assert [v["profile_version"] for v in cast.member_a.profile_history(cast.factory_id)] == [1, 2]
    assert cast.member_a.profile(cast.factory_id, 1)["buildings"] == []

    # Bad numbers are refused with the field, and nothing is written.
    absurd = {"female": 9_000_000, "male": 0, "permanent": 9_000_000, "temporary": 0}
    inconsistent = {**WORKFORCE, "temporary": 7}
    for workforce, field in ((absurd, "body.workforce"), (inconsistent, "body.workforce"),
                             ({**WORKFORCE, "migrant": -1}, "body.workforce.migrant")):
        problem = _refused(lambda w=workforce: cast.factory.submit_profile(cast.factory_id, {"workforce": w}), 422)
        assert field in {error["field"] for error in problem["errors"]}
    assert len(cast.factory.profile_history(cast.factory_id)) == 2

    # Members submit nothing; the unlinked see nothing, like an unknown id.
    assert _refused(lambda: cast.member_a.submit_profile(cast.factory_id, {"workforce": WORKFORCE}), 403)
    unknown = str(uuid.uuid4())
    for read in (lambda f: outsider.profile(f), lambda f: outsider.profile_history(f), lambda f: outsider.profile(f, 1)):
        hidden, absent = _refused(lambda: read(cast.factory_id), 404), _refused(lambda: read(unknown), 404)
        assert hidden["detail"].replace(cast.factory_id, "ID") == absent["detail"].replace(unknown, "ID")

    # The event reached Kafka and the linked member's inbox.
    def announced() -> None:
        assert "FactoryProfileSubmitted" in {entry["event_type"] for entry in cast.member_a.inbox()}

    eventually(announced)


def test_the_supply_chain_maps_both_ways_and_never_shows_unlinked_profiles(stack: Stack, cast: Cast) -> None:
    printer = cast.operator.register_factory(f"Delta Printers {_label()}", "BD", city="Savar", confirm_new=True)
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    link_on_behalf(cast.member_b, cast.operator, printer["factory_id"], "test: the printer has no account yet")
    cast.factory.submit_profile(cast.factory_id, {"workforce": WORKFORCE, "processes": [
        {"name": "cutting", "kind": "internal"},
        {"name": "screen printing", "kind": "external", "subcontractor_id": printer["factory_id"]},
    ]})

    upstream = eventually(lambda: cast.member_a.supply_chain(cast.factory_id, "upstream"))
    assert [(e["site"]["factory_id"], e["processes"]) for e in upstream["sites"]] == [
        (printer["factory_id"], ["screen printing"])
    ]
    assert set(upstream["sites"][0]["site"]) == CARD_KEYS

    downstream = eventually(lambda: cast.member_b.supply_chain(printer["factory_id"], "downstream"))
    [entry] = downstream["sites"]
    assert entry["site"]["factory_id"] == cast.factory_id and set(entry["site"]) == CARD_KEYS
    assert entry["processes"] is None  # the contractor's profile is not member B's to read

    _refused(lambda: cast.member_b.supply_chain(cast.factory_id, "upstream"), 404)
    _refused(lambda: cast.member_a.supply_chain(printer["factory_id"], "downstream"), 404)
    _refused(lambda: cast.member_b.profile(cast.factory_id), 404)


def test_search_finds_unlinked_sites_but_shows_only_their_card(cast: Cast, outsider) -> None:
    site = cast.factory.factory(cast.factory_id)
    found = outsider.search_factories(name=site["name"], country="BD", city="gazipur")
    assert [r["factory_id"] for r in found][:1] == [cast.factory_id]
    assert set(found[0]) == CARD_KEYS | {"score"}
    _refused(lambda: outsider.factory(cast.factory_id), 404)
    assert _refused(lambda: outsider.search_factories(country="BD"), 422)
    _refused(lambda: cast.factory.search_factories(name="Sunrise"), 403)


def test_a_merged_site_redirects_to_the_survivor_for_those_who_may_see_it(cast: Cast, outsider) -> None:
    label = _label()
    merged = cast.operator.register_factory(f"Orchid Textiles {label}", "LK", confirm_new=True)
    surviving = cast.operator.register_factory(f"Orchid Textiles {label} Pvt", "LK", confirm_new=True)
    link_on_behalf(cast.member_a, cast.operator, merged["factory_id"], "test: the site has no account yet")
    eventually(lambda: cast.member_a.factory(merged["factory_id"]))

    _refused(lambda: cast.member_a.merge_factories(merged["factory_id"], surviving["factory_id"]), 403)
    result = cast.operator.merge_factories(merged["factory_id"], surviving["factory_id"])
    assert result["surviving_factory_id"] == surviving["factory_id"]

    response = cast.member_a.send("GET", f"/registry/factories/{merged['factory_id']}/profile")
    assert response.status_code == 308
    assert response.headers["location"] == f"/registry/factories/{surviving['factory_id']}/profile"
    assert response.json()["merged_into"] == surviving["factory_id"]
    assert cast.operator.send("GET", f"/registry/factories/{merged['factory_id']}").status_code == 308
    assert outsider.send("GET", f"/registry/factories/{merged['factory_id']}").status_code == 404
    assert [r["factory_id"] for r in outsider.search_factories(name=f"Orchid Textiles {label}")] == [
        surviving["factory_id"]
    ]
    _refused(lambda: cast.operator.merge_factories(merged["factory_id"], surviving["factory_id"]), 409)
