"""The risk read model's store: per (country, chapter) counters over each factory's latest full audit.

Kept up to date from events (``AuditReportPublished``, ``FactoryRegistered``) and report
imports by ``service_layer.risk.RiskReadModel``, which says what each changes by the
domain's rules (``domain.risk``); this store only loads and stores. Two collections:

- ``risk_factories``: one document per factory (``_id`` = factory id), its counted picture
  (``domain.risk.FactoryPicture``) and a revision ``rev``;
- ``risk_cells``: one document per (country, chapter) with the number of factories
  covered and of those with a non-conformity, so the risk query reads a few hundred
  small documents instead of grouping every factory (the computed pattern).

A factory's document is replaced only if its ``rev`` is still the one read, and the
difference between the two pictures is then added to the cells with ``$inc``: two
writers (requests, consumers, instances) never count one change twice; the one that
lost reads the factory again. A crash between a factory's write and its cells' leaves
a cell off until ``rebuild_cells``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from audit_service.domain.risk import CellCount, FactoryPicture, cell_counts
from audit_service.service_layer.ports import PictureChange, PictureMerge
from shared_audits.errors import ConflictError

DUPLICATE_KEY = 11000
# Rounds of "read, write if unchanged" before giving up: only a storm of writers to one factory gets there.
MAX_ROUNDS = 10
IDS_PER_QUERY = 1000


def _picture(document: dict | None) -> FactoryPicture:
    if not document:
        return FactoryPicture()
    published_at = document.get("published_at")
    return FactoryPicture(country=document.get("country"), audit_id=document.get("audit_id"),
                          published_at=datetime.fromisoformat(published_at) if published_at else None,
                          chapters=document.get("chapters", {}))


def _document(picture: FactoryPicture, rev: int) -> dict:
    document: dict = {"rev": rev, "chapters": picture.chapters}
    if picture.country is not None:
        document["country"] = picture.country
    if picture.published_at is not None:
        document |= {"audit_id": picture.audit_id, "published_at": picture.published_at.isoformat()}
    return document


class MongoRiskPictures:
    """Pre-aggregated counters kept exact by revision-checked writes (see the module's docstring)."""

    def __init__(self, factories: AsyncCollection, cells: AsyncCollection) -> None:
        self._factories = factories
        self._cells = cells

    async def ensure_indexes(self) -> None:
        """None beyond ``_id``: factories are read by id, the cells all at once."""

    async def move(self, merged_id: str, surviving_id: str, merge: PictureMerge) -> None:
        """The merged site's picture joins the survivor's, then its document and its cells are gone.

        The survivor is written first: a crash before the merged document is gone only
        repeats the move when the event is redelivered.
        """
        for _ in range(MAX_ROUNDS):
            merged_document = (await self._read([merged_id])).get(merged_id)
            if merged_document is None:
                return  # nothing counted for it, or already merged
            merged = _picture(merged_document)
            await self.change([surviving_id], lambda _, surviving: merge(surviving, merged))
            removed = await self._factories.delete_one({"_id": merged_id, "rev": merged_document.get("rev")})
            if removed.deleted_count:
                await self._add_to_cells(Counter({key: -count for key, count in merged.cells().items()}))
                return
        raise ConflictError(f"the risk picture of {merged_id} keeps changing; the merge is retried")

    async def rebuild_cells(self) -> None:
        """Recount every cell from the factories' documents (a full read: an operator's repair, between imports)."""
        totals: Counter = Counter()
        async for document in self._factories.find({}):
            totals.update(_picture(document).cells())
        await self._cells.delete_many({})
        await self._add_to_cells(totals)

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        if factory_ids is None:
            return sorted(
                [CellCount(country=cell["country"], chapter=cell["chapter"], factories=cell["factories"],
                           nonconforming_factories=cell.get("nonconforming_factories", 0))
                 async for cell in self._cells.find({}) if cell.get("factories", 0) > 0],
                key=lambda count: (count.country, count.chapter),
            )
        totals: Counter = Counter()
        for document in (await self._read(factory_ids)).values():
            totals.update(_picture(document).cells())
        return cell_counts(totals)

    async def _read(self, factory_ids: list[str]) -> dict[str, dict]:
        documents = {}
        for start in range(0, len(factory_ids), IDS_PER_QUERY):
            cursor = self._factories.find({"_id": {"$in": factory_ids[start:start + IDS_PER_QUERY]}})
            documents |= {document["_id"]: document async for document in cursor}
        return documents

    async def change(self, factory_ids: list[str], change: PictureChange) -> int:
        """Apply ``change`` to each factory's picture (None: it stays) and count the difference in the cells.

        Returns how many pictures ``change`` replaced, an identical one included.
        """
        pending, replaced, rounds = factory_ids, 0, 0
        while pending:
            rounds += 1
            if rounds > MAX_ROUNDS:
                raise ConflictError("the risk read model is busy with the same factories; try again")
            known = await self._read(pending)
            writes: list[tuple[str, ReplaceOne, Counter]] = []
            for factory_id in pending:
                document = known.get(factory_id)
                old = _picture(document)
                new = change(factory_id, old)
                if new is None:
                    continue
                if new == old:
                    replaced += 1
                    continue
                rev = (document or {}).get("rev")
                # Upserted when absent; a document changed since it was read fails on the duplicate _id.
                write = ReplaceOne({"_id": factory_id, "rev": rev}, _document(new, (rev or 0) + 1), upsert=True)
                difference = new.cells()
                difference.subtract(old.cells())
                writes.append((factory_id, write, difference))
            changed_meanwhile = set(await _failed_on_duplicates(self._factories, [write for _, write, _ in writes]))
            totals: Counter = Counter()
            for index, (_, _, difference) in enumerate(writes):
                if index not in changed_meanwhile:
                    totals.update(difference)
            await self._add_to_cells(totals)
            replaced += len(writes) - len(changed_meanwhile)
            pending = [writes[index][0] for index in sorted(changed_meanwhile)]
        return replaced

    async def _add_to_cells(self, totals: Counter) -> None:
        by_cell: dict[tuple[str, str], dict[str, int]] = {}
        for (country, chapter, field), change in totals.items():
            if change:
                by_cell.setdefault((country, chapter), {})[field] = change
        writes = [
            UpdateOne({"_id": f"{country}:{chapter}"},
                      {"$inc": increments, "$set": {"country": country, "chapter": chapter}}, upsert=True)
            for (country, chapter), increments in by_cell.items()
        ]
        # Two first counts of one new cell: the upsert that lost finds the cell the second time.
        if failed := await _failed_on_duplicates(self._cells, writes):
            await self._cells.bulk_write([writes[index] for index in failed], ordered=False)


async def _failed_on_duplicates(collection: AsyncCollection, writes: list) -> list[int]:
    """Run ``writes`` unordered; the indexes of those refused for a duplicate ``_id`` (any other error raises)."""
    if not writes:
        return []
    try:
        await collection.bulk_write(writes, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return [e["index"] for e in errors]
    return []
