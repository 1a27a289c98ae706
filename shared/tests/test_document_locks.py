import asyncio

from shared_audits.document_locks import DocumentLocks


async def test_writes_to_one_document_never_interleave() -> None:
    locks, inside, overlaps = DocumentLocks(), set(), []

    async def write(document_id: str) -> None:
        async with locks.hold("caps", document_id):
            overlaps.append(document_id in inside)
            inside.add(document_id)
            await asyncio.sleep(0.001)
            inside.discard(document_id)

    await asyncio.gather(*(write(doc) for doc in ["a", "b"] * 20))
    assert overlaps.count(True) == 0
    assert len(overlaps) == 40
