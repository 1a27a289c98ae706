"""The operator's review of duplicate sites: pairs that look like one site, scored as at registration."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from factory_registry.adapters.rules import load_registry_rules
from factory_registry.domain.matching import duplicate_matches, duplicate_pairs
from factory_registry.domain.model import Factory, SiteDetails
from factory_registry.domain.values import Coordinates
from factory_registry.service_layer import handlers as registry_handlers
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import factory_account, member, operator

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RULES = load_registry_rules().duplicates
WORDS = ["sunrise", "garments", "garment", "textile", "knit", "knitwear", "apparel", "star", "global", "denim", "mills"]
STREETS = ["Plot 7, BSCIC", "plot 7 bscic estate", "Road 12, Tongi", "12 Tongi road", "Sector 4, EPZ", "Mirpur 10"]


def a_world(seed: int, size: int) -> list[Factory]:
    """Lookalike names and addresses, sites on a few spots, in three countries."""
    chance = random.Random(seed)
    sites = []
    for index in range(size):
        name = " ".join(chance.sample(WORDS, chance.randint(2, 3))) + chance.choice(["", " Ltd", " Limited", "s"])
        spot = chance.choice([None, (24.0, 90.4), (23.81, 90.41), (-33.9, 151.2)])
        coordinates = Coordinates(lat=spot[0] + chance.uniform(0, 0.002), lon=spot[1]) if spot else None
        details = SiteDetails(name=name.title(), country=chance.choice(["BD", "BD", "VN", "PK"]),
                              address=chance.choice([None, *STREETS]), coordinates=coordinates)
        sites.append(Factory.register(f"site-{index:04d}", details, "op", NOW + timedelta(minutes=index)))
    return sites


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocking_and_prefilters_lose_no_pair_the_registration_check_would_find(seed: int) -> None:
    sites = a_world(seed, 160)
    expected = set()
    for i, first in enumerate(sites):
        for second in sites[i + 1:]:
            details = SiteDetails(**second.model_dump(include=set(SiteDetails.model_fields)))
            for match in duplicate_matches(details, [first], RULES):
                expected.add((first.id, second.id, match.score, tuple(match.matched_on)))
    scan = duplicate_pairs(sites, RULES)
    found = {(p.first.id, p.second.id, p.score, tuple(p.matched_on)) for p in scan.pairs}
    assert found == expected and len(found) > 20 and scan.complete


def test_pairs_come_best_first_the_earlier_site_first_and_never_across_countries_or_with_a_merged_one() -> None:
    def site(site_id: str, name: str, country: str = "BD", minutes: int = 0, **fields) -> Factory:
        return Factory.register(site_id, SiteDetails(name=name, country=country, **fields), "op",
                                NOW + timedelta(minutes=minutes))

    later = site("a-later", "Sunrise Garments Ltd", minutes=5, address="Plot 7, BSCIC")
    earlier = site("z-earlier", "SUNRISE GARMENTS LIMITED", address="plot 7 BSCIC")
    near = site("near", "Moonlight Knit", coordinates=Coordinates(lat=24.0, lon=90.4))
    by = site("by", "Monlight Knitting", minutes=1, coordinates=Coordinates(lat=24.0005, lon=90.4))
    # Another name on the same spot: a tenant of the same building, not the same site.
    tenant = site("tenant", "Completely Different", minutes=2, coordinates=Coordinates(lat=24.0005, lon=90.4))
    abroad = site("abroad", "Sunrise Garments", country="VN", address="Plot 7, BSCIC")
    gone = site("gone", "Sunrise Garments", address="Plot 7, BSCIC")
    gone.merged_into = "z-earlier"

    pairs = duplicate_pairs([later, earlier, near, by, tenant, abroad, gone], RULES).pairs
    assert [(p.first.id, p.second.id, p.matched_on) for p in pairs] == [
        ("near", "by", ["name_address", "coordinates"]), ("z-earlier", "a-later", ["name_address"])]
    assert pairs[0].score >= pairs[1].score >= RULES.min_score


def test_lookalikes_by_the_thousand_stop_the_scan_at_its_budget() -> None:
    sites = [Factory.register(f"s-{n}", SiteDetails(name="Import site", country="BD"), "op", NOW)
             for n in range(300)]
    scan = duplicate_pairs(sites, RULES, max_scored=1_000)
    assert not scan.complete and 0 < len(scan.pairs) <= 1_300
    assert duplicate_pairs(sites[:20], RULES, max_scored=1_000).complete


async def registered(registry: FactoryRegistry, *sites: tuple[str, str, str]) -> list[Factory]:
    return [await registry.register_factory(operator(), SiteDetails(name=name, country=country, address=address),
                                            confirm_new=True)
            for name, country, address in sites]


async def test_the_operator_reviews_the_pairs_of_one_country_or_of_all(registry: FactoryRegistry) -> None:
    await registered(registry, ("Sunrise Garments", "BD", "Plot 7"), ("Sunrise Garment", "BD", "Plot 7"),
                     ("Sunrise Garments Ltd", "BD", "Plot 7"), ("Star Knit", "VN", "Road 1"), ("Star Knits", "VN", "Road 1"))
    everywhere = await registry.duplicates(operator(), None, limit=2)
    assert (len(everywhere.pairs), everywhere.total_pairs, everywhere.sites_compared) == (2, 4, 5)
    assert everywhere.complete
    in_vietnam = await registry.duplicates(operator(), "VN", limit=10)
    assert [{p.first.name, p.second.name} for p in in_vietnam.pairs] == [{"Star Knit", "Star Knits"}]


async def test_one_request_compares_a_bounded_number_of_sites_and_says_so(
    registry: FactoryRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    await registered(registry, *[("Lookalike site", "BD", None) for _ in range(4)])
    monkeypatch.setattr(registry_handlers, "PAIR_SCAN_LIMIT", 3)
    review = await registry.duplicates(operator(), "BD", limit=10)
    assert review.sites_compared == 3 and not review.complete
    monkeypatch.setattr(registry_handlers, "PAIR_SCAN_LIMIT", 10)
    monkeypatch.setattr(registry_handlers, "PAIRS_SCORED_LIMIT", 2)
    review = await registry.duplicates(operator(), "BD", limit=10)
    assert review.sites_compared == 4 and not review.complete


async def test_only_the_operator_reviews_duplicates(registry: FactoryRegistry) -> None:
    for caller in (member("m-1"), factory_account("f-1")):
        with pytest.raises(PermissionDeniedError):
            await registry.duplicates(caller, None, limit=10)
