"""The paging of notifier's lists follows the shared rule (shared_audits.http: a cursor, and `Link: rel="next"`)."""

CURSOR_DESCRIPTION = "From the previous page's `X-Next-Cursor` (or follow `Link: rel=\"next\"`)"
