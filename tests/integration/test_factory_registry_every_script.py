"""factory-registry through the gateway: names in every script, the import's review list, Open Supply Hub's fields."""

from __future__ import annotations

import uuid

import pytest

from shared_audits_client import ApiError, eventually
from shared_audits_client.story import Cast


def _label() -> str:
    return uuid.uuid4().hex[:6]


def _import(cast: Cast, *records: dict) -> dict:
    response = cast.operator.send("POST", "/registry/imports/factories", json={"factories": list(records)})
    assert response.status_code == 200, response.text
    return response.json()


# A distinctive name per run, in each script, with its usual Latin spelling (the test's sites are new each run).
CHINESE = "华丽", "Huali"


def test_a_site_named_in_chinese_is_kept_as_written_found_by_its_name_and_by_pinyin(cast: Cast) -> None:
    # Each run its own city: the sites of earlier runs are elsewhere.
    city = f"Test city {_label()}"
    name = f"{CHINESE[0]}服装厂"
    created = cast.member_a.register_factory(name, "CN", city=city, confirm_new=True)
    other = cast.member_a.register_factory("永兴纺织厂", "CN", city=city)  # another Chinese name: not a duplicate
    assert (created["name"], other["name"]) == (name, "永兴纺织厂")

    for searched in (CHINESE[0], name, CHINESE[1], "hua li"):
        found = cast.member_b.search_factories(name=searched, country="CN", city=city)
        assert [site["factory_id"] for site in found] == [created["factory_id"]], searched
    with pytest.raises(ApiError) as refused:
        cast.member_b.register_factory(f"{CHINESE[1]} Garment Factory", "CN", city=city)
    assert refused.value.status == 409
    assert created["factory_id"] in {c["factory_id"] for c in refused.value.problem["candidates"]}


@pytest.mark.parametrize(("country", "written", "searched"), [
    ("BD", "সুরমা গার্মেন্টস লিমিটেড {n}", ["সুরমা", "surma"]),
    ("VN", "Công ty TNHH May Việt Tiến {n}", ["Việt Tiến", "viet tien"]),
    ("TR", "IŞIK Tekstil {n}", ["ışık", "Isik", "İŞIK"]),
    ("EG", "مصنع النور للملابس {n}", ["النور", "lnwr"]),
    ("KH", "រោងចក្រកាត់ដេរ អង្គរ {n}", ["អង្គរ", "ngkr"]),
])
def test_a_site_named_in_its_script_is_found_by_its_name_and_by_its_transliteration(
    cast: Cast, country: str, written: str, searched: list[str]
) -> None:
    city = f"Test city {_label()}"
    name = written.format(n="").strip()
    created = cast.operator.register_factory(name, country, city=city, confirm_new=True)
    assert created["name"] == name
    for words in searched:
        found = cast.member_a.search_factories(name=words, country=country, city=city)
        assert [site["factory_id"] for site in found] == [created["factory_id"]], words


def test_the_import_holds_lookalikes_for_review_and_the_operator_confirms_or_merges(cast: Cast) -> None:
    label, city = _label(), f"Test city {_label()}"
    registered = cast.operator.register_factory(
        f"Sunrise {label} Garments Ltd", "BD", city=city, address=f"Plot 7, Road 3, BSCIC {label}", confirm_new=True)
    lookalike = {"factory_id": f"old-{label}-1", "name": f"SUNRISE {label} GARMENTS LIMITED", "country": "BD",
                 "city": city, "address": f"plot 7 rd 3 BSCIC {label}"}
    in_file_first = {"factory_id": f"old-{label}-2", "name": f"{CHINESE[0]}{label}服装厂", "country": "CN", "city": city}
    in_file_second = {"factory_id": f"old-{label}-3", "name": f"{CHINESE[1]}{label} Garment Factory", "country": "CN",
                      "city": city}
    plain = {"factory_id": f"old-{label}-4", "name": f"Moonlight {label} Knitting", "country": "BD", "city": city,
             "sectors": ["Apparel", "Textiles"], "number_of_workers": "1001-5000",
             "location_type": "Final Product Assembly", "processing_type": ["Knitting", "Sewing"]}

    outcome = _import(cast, lookalike, in_file_first, in_file_second, plain)

    assert (outcome["imported"], outcome["rejected"]) == (2, [])
    held = {record["factory_id"]: record["candidates"] for record in outcome["proposed_duplicates"]}
    assert set(held) == {lookalike["factory_id"], in_file_second["factory_id"]}
    assert held[lookalike["factory_id"]][0]["factory_id"] == registered["factory_id"]
    assert held[lookalike["factory_id"]][0]["in_file"] is False
    assert (held[in_file_second["factory_id"]][0]["factory_id"], held[in_file_second["factory_id"]][0]["in_file"]) == (
        in_file_first["factory_id"], True)
    assert cast.operator.send("GET", f"/registry/factories/{lookalike['factory_id']}").status_code == 404

    # The Open Supply Hub fields are kept.
    site = cast.operator.factory(plain["factory_id"])
    assert (site["sectors"], site["sector"], site["number_of_workers"], site["location_type"],
            site["processing_type"]) == (["Apparel", "Textiles"], "Apparel", {"min": 1001, "max": 5000},
                                         "Final Product Assembly", ["Knitting", "Sewing"])

    # The operator decides: one is the registered site (merged into it), the other a new site.
    again = _import(cast, {**lookalike, "merge_into": registered["factory_id"]},
                    {**in_file_second, "confirm_new": True}, plain)
    assert (again["imported"], again["merged"], again["already_imported"], again["proposed_duplicates"]) == (1, 1, 1, [])
    merged = cast.operator.send("GET", f"/registry/factories/{lookalike['factory_id']}")
    assert merged.status_code == 308 and merged.json()["merged_into"] == registered["factory_id"]
    assert eventually(lambda: cast.operator.factory(in_file_second["factory_id"]))["name"] == in_file_second["name"]
