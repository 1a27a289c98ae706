"""A merge of two sites moves the merged site's CAPs, items and decisions to the survivor."""

from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.merges import SiteMerges
from shared_audits.contracts import wrap
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.testing import factory_account, member

from .fakes import open_cap, stored

MERGE = FactoriesMerged(factory_id="f-keep", merged_factory_id="f-1")


async def test_the_merged_sites_caps_answer_on_the_surviving_id_once(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.record_evidence(stored(cap, 0, "e-1"), wrap(stored(cap, 0, "e-1"), producer="evidence-store"))
    caps.links.links |= {("m-a", "f-keep")}
    merges = SiteMerges(caps.caps)

    await merges.apply_merged(MERGE, wrap(MERGE, producer="factory-registry"))
    await merges.apply_merged(MERGE, wrap(MERGE, producer="factory-registry"))

    [moved], _ = await caps.caps_of_factory(member("m-a"), "f-keep")
    assert moved.id == cap.id and moved.items[0].evidence_ids == ["e-1"]
    page, _ = await caps.caps_of_factory(factory_account("f-keep"), "f-keep")
    assert [c.id for c in page] == [cap.id]
    assert await caps.caps.find(factory_id="f-1") == []
