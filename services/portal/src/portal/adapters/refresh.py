"""Renewing a session's tokens once, even when a page and its partial requests ask at the same time.

access-control rotates refresh tokens and revokes a session whose spent refresh token is shown
again, so two concurrent refreshes with the same token would end the session. Within one portal
process the first refresh's result is shared with the others for a short while."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from portal.domain.session import Session

Renew = Callable[[Session], Awaitable[Session]]
KEEP_SECONDS = 60.0


class SingleFlightRefresher:
    def __init__(self, renew: Renew) -> None:
        self._renew = renew
        self._flights: dict[str, tuple[float, asyncio.Future[Session]]] = {}

    async def refresh(self, session: Session) -> Session:
        now = time.monotonic()
        self._flights = {k: v for k, v in self._flights.items() if now - v[0] < KEEP_SECONDS}
        flight = self._flights.get(session.refresh_token)
        if flight is None:
            future: asyncio.Future[Session] = asyncio.get_running_loop().create_future()
            self._flights[session.refresh_token] = (now, future)
            try:
                future.set_result(await self._renew(session))
            except BaseException as error:
                future.set_exception(error)
                future.exception()  # retrieved here, so an unshared failure is not reported as lost
                del self._flights[session.refresh_token]
            return await future
        return await asyncio.shield(flight[1])
