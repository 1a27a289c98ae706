"""One page of a list: the handlers' lists read a page and one more, so the caller learns whether more follow."""

from __future__ import annotations

from typing import Any

from shared_audits.store import A, AggregateStore

# The most a page holds (and the default: callers that read one page see what they saw before pages).
PAGE_LIMIT = 500


async def page_of(
    store: AggregateStore[A], limit: int, after: str | None, **equals: Any
) -> tuple[list[A], str | None]:
    """The aggregates whose fields equal ``equals``, by id after ``after``; and the cursor of the next page."""
    found = await store.find(limit=limit + 1, after=after, **equals)
    page = found[:limit]
    return page, (page[-1].id if len(found) > limit else None)
