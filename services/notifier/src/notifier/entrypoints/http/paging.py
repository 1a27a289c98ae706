"""The one paging rule of the lists: a cursor, and `Link: rel="next"` while there is more (as cap-service's CAPs)."""

from __future__ import annotations

from fastapi import Request, Response

NEXT_PAGE_HEADERS = {
    "Link": {"description": 'The next page, when there is one: `<...&cursor=...>; rel="next"` (RFC 8288).',
             "schema": {"type": "string"}},
    "X-Next-Cursor": {"description": "The `cursor` of the next page; absent on the last page.",
                      "schema": {"type": "string"}},
}
CURSOR_DESCRIPTION = "From the previous page's `X-Next-Cursor` (or follow `Link: rel=\"next\"`)"


def tell_next_page(request: Request, response: Response, next_cursor: str | None, limit: int) -> None:
    """Name the next page in the response's headers; on the last page, nothing."""
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor, limit=limit)
        response.headers["Link"] = f'<{next_url.path}?{next_url.query}>; rel="next"'
        response.headers["X-Next-Cursor"] = next_cursor
