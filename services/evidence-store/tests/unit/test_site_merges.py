"""A merge of two sites moves the merged site's evidence records; the stored objects stay."""

from evidence_store.service_layer.handlers import EvidenceHandlers
from evidence_store.service_layer.merges import SiteMerges
from shared_audits.contracts import wrap
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.testing import factory_account, member

from .fakes import PDF

MERGE = FactoriesMerged(factory_id="f-keep", merged_factory_id="f-1")


async def test_evidence_of_the_merged_site_is_found_and_uploaded_on_the_surviving_id(
    handlers: EvidenceHandlers,
) -> None:
    evidence = handlers
    first = await evidence.upload(factory_account("f-1"), "c-1", "i-1", "permit.pdf", PDF)
    evidence.links.links |= {("m-a", "f-keep")}
    merges = SiteMerges(evidence.evidence, evidence.uploads, evidence.cap_items)

    await merges.apply_merged(MERGE, wrap(MERGE, producer="factory-registry"))
    await merges.apply_merged(MERGE, wrap(MERGE, producer="factory-registry"))

    moved = await evidence.evidence.get(first.id)
    assert (moved.factory_id, moved.object_key) == ("f-keep", first.object_key)
    assert await evidence.download_link(member("m-a"), first.id)
    # The site's account, now standing for the survivor, resubmits on the same item.
    second = await evidence.upload(factory_account("f-keep"), "c-1", "i-1", "permit.pdf", PDF)
    assert second.version_number == 2
