"""A command that reads, changes and saves one aggregate tries again on a fresh read after a conflict."""

import pytest

from shared_audits.errors import ConflictError
from shared_audits.store import saved_on_a_fresh_read


class Counter:
    def __init__(self) -> None:
        self.version = 0


class StoreChangedBySomeoneElse:
    """Refuses the first ``conflicts`` saves, as when an event handler wrote the aggregate in between."""

    def __init__(self, conflicts: int) -> None:
        self.conflicts, self.saved = conflicts, []

    async def save(self, aggregate: Counter) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise ConflictError("changed by someone else; read it again")
        self.saved.append(aggregate)


async def test_a_conflict_is_met_by_reading_again_and_saving_what_the_fresh_read_gives() -> None:
    store, reads = StoreChangedBySomeoneElse(conflicts=2), []

    async def change() -> Counter:
        reads.append(Counter())
        return reads[-1]

    saved = await saved_on_a_fresh_read(store, change)

    assert len(reads) == 3 and store.saved == [saved] and saved is reads[-1]


async def test_a_conflict_that_outlasts_every_attempt_is_the_callers() -> None:
    store = StoreChangedBySomeoneElse(conflicts=5)

    async def change() -> Counter:
        return Counter()

    with pytest.raises(ConflictError):
        await saved_on_a_fresh_read(store, change, attempts=3)
    assert store.conflicts == 2
