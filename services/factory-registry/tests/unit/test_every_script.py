"""Names in every script are kept as written, told apart, matched and searched: as written and transliterated."""

from __future__ import annotations

import pytest

from factory_registry.adapters.rules import load_registry_rules
from factory_registry.domain.errors import PossibleDuplicateError
from factory_registry.domain.matching import reader_for, resemblance
from factory_registry.domain.model import SiteDetails
from factory_registry.domain.reading import fold, latin, words
from factory_registry.domain.search import SearchCriteria
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.testing import member, operator

RULES = load_registry_rules().duplicates

# (country, name as written, the same site written in Latin letters, a search in its own script)
SITES = [
    ("CN", "东莞华丽服装有限公司", "Dongguan Huali Garment Co., Ltd.", "华丽"),
    ("BD", "সুরমা গার্মেন্টস লিমিটেড", "Surma Garments Ltd", "সুরমা"),
    ("VN", "Công ty TNHH May Việt Tiến", "Viet Tien Garment Company Limited", "Việt Tiến"),
    ("TR", "IŞIK Tekstil Sanayi ve Ticaret A.Ş.", "Isik Textile Industry and Trade", "ışık"),
    ("EG", "مصنع النور للملابس", "Al Noor Garment Factory", "النور"),
    ("KH", "រោងចក្រកាត់ដេរ អង្គរ", "Angkor Garment Factory", "អង្គរ"),
]
# Unrelated sites in the same script: never one site (the old normaliser made every such pair score 100).
OTHERS = {
    "CN": "永兴纺织厂", "BD": "মেঘনা নিটওয়্যার", "VN": "Công ty Cổ phần Dệt Thành Công", "TR": "Çınar Örme Fabrikası",
    "EG": "شركة الأمين للنسيج", "KH": "រោងចក្រ ពេជ្រ",
}


def site(country: str, name: str, **fields) -> SiteDetails:
    return SiteDetails(name=name, country=country, **fields)


def score(a: SiteDetails, b: SiteDetails) -> float | None:
    reader = reader_for(RULES)
    found = resemblance(reader.site(a), reader.site(b), RULES)
    return found.score if found else None


def test_folding_keeps_the_script_and_reads_turkish_dotted_and_dotless_i_as_one_letter() -> None:
    assert fold("İSTANBUL") == fold("istanbul") == fold("ıstanbul")
    assert fold("IŞIK") == fold("ışık")
    assert fold("华丽") == "华丽" and fold("Việt Tiến") == "việt tiến"
    assert latin("华丽") == "huali" and latin("সুরমা") == "surma" and latin("tiến") == "tien"


@pytest.mark.parametrize(("country", "written", "in_latin", "_"), SITES, ids=[s[0] for s in SITES])
def test_a_site_written_in_its_script_and_in_latin_letters_is_one_site(country, written, in_latin, _) -> None:
    assert (score(site(country, written), site(country, in_latin)) or 0) >= RULES.min_score


@pytest.mark.parametrize(("country", "written", "_", "__"), SITES, ids=[s[0] for s in SITES])
def test_two_unrelated_sites_named_in_one_script_are_not_one(country, written, _, __) -> None:
    assert score(site(country, written), site(country, OTHERS[country])) is None


def test_names_that_sound_alike_but_are_written_differently_stay_apart() -> None:
    # 华丽 and 化利 are both "huali": compared as written, they are two names.
    assert score(site("CN", "华丽服装厂"), site("CN", "化利服装厂")) is None


def test_a_translated_generic_word_reads_as_the_same_word() -> None:
    assert score(site("FR", "Étoile Garment Factory"), site("FR", "Fabrique de vêtements Étoile")) >= RULES.min_score
    assert score(site("CN", "华丽服装厂"), site("CN", "Huali Garment Factory")) >= RULES.min_score


@pytest.mark.parametrize(("country", "written", "in_latin", "own_script"), SITES, ids=[s[0] for s in SITES])
async def test_search_finds_a_site_by_its_name_in_its_script_and_by_the_transliteration(
    registry: FactoryRegistry, country, written, in_latin, own_script
) -> None:
    created = await registry.register_factory(operator(), site(country, written))
    await registry.register_factory(operator(), site(country, OTHERS[country]), confirm_new=True)
    transliterated = " ".join(latin(word) for word in words(written))
    for searched in (written, own_script, transliterated):
        found = await registry.search(member("m-1"), SearchCriteria(name=searched, country=country))
        assert [s.id for s, _ in found] == [created.id], searched
    stored = await registry.factories.get(created.id)
    assert stored.name == written  # kept as written, never only its transliteration


async def test_search_by_a_pinyin_or_an_unaccented_name_finds_the_site(registry: FactoryRegistry) -> None:
    huali = await registry.register_factory(operator(), site("CN", "东莞华丽服装有限公司"))
    viet_tien = await registry.register_factory(operator(), site("VN", "Công ty TNHH May Việt Tiến"))
    isik = await registry.register_factory(operator(), site("TR", "IŞIK Tekstil"))
    for searched, expected in (("Huali", huali), ("hua li", huali), ("Viet Tien", viet_tien), ("Isik", isik),
                               ("İŞIK", isik), ("isik tekstil", isik)):
        found = await registry.search(member("m-1"), SearchCriteria(name=searched))
        assert [s.id for s, _ in found] == [expected.id], searched


async def test_registering_a_chinese_named_site_is_not_refused_as_a_duplicate_of_another(
    registry: FactoryRegistry,
) -> None:
    await registry.register_factory(operator(), site("CN", "永兴纺织厂"))
    created = await registry.register_factory(operator(), site("CN", "华丽服装厂"))
    assert created.name == "华丽服装厂"
    with pytest.raises(PossibleDuplicateError):
        await registry.register_factory(operator(), site("CN", "华丽服装厂"))


def test_identical_names_in_different_cities_are_not_one_site_and_a_shared_identifier_is() -> None:
    dhaka = site("BD", "Sunrise Garments", city="Dhaka", address="House 12, Road 5, Mirpur")
    chattogram = site("BD", "Sunrise Garments", city="Chattogram", address="Plot 44, CEPZ")
    assert score(dhaka, chattogram) is None
    assert score(site("BD", "Sunrise Garments", city="Dhaka"), site("BD", "Sunrise Garments", city="Chattogram")) is None
    same_os_id = {"identifiers": {"os_id": "BD2019085D7K3YZ"}}
    assert score(site("BD", "Sunrise", city="Dhaka", **same_os_id), site("BD", "SRG", city="Gazipur", **same_os_id)) == 100


def test_sites_far_apart_are_not_one_on_a_similar_name_alone_and_units_of_a_chain_are_apart() -> None:
    here = site("IN", "Shahi Exports Unit 7", coordinates={"lat": 28.45, "lon": 77.02})
    assert score(here, site("IN", "Shahi Exports Pvt Ltd Unit 7", coordinates={"lat": 28.4503, "lon": 77.0201})) >= 85
    assert score(here, site("IN", "Shahi Exports Unit 7", coordinates={"lat": 12.97, "lon": 77.59})) is None
    assert score(here, site("IN", "Shahi Exports Unit 12", coordinates={"lat": 28.46, "lon": 77.03})) is None


def test_open_supply_hub_fields_are_kept() -> None:
    details = site("BD", "Sunrise", sectors=["Apparel", "Textiles"], number_of_workers="1001-5000",
                   location_type="Final Product Assembly", processing_type=["Cutting", "Sewing"])
    assert details.sector == "Apparel" and details.sectors == ["Apparel", "Textiles"]
    assert (details.number_of_workers.min, details.number_of_workers.max) == (1001, 5000)
    assert site("BD", "Sunrise", sector="Apparel", number_of_workers=450).sectors == ["Apparel"]
