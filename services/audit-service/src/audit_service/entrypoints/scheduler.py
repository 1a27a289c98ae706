"""The due-date job: an asyncio task in the service that announces follow-up and re-audit dates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class PeriodicJob:
    """Runs ``work`` every ``interval`` seconds until stopped; a failed round is logged and retried."""

    def __init__(self, name: str, work: Callable[[], Awaitable[object]], interval: float) -> None:
        self._name = name
        self._work = work
        self._interval = interval
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._work()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("scheduled job failed; it runs again next round", extra={"job": self._name})
            await asyncio.sleep(self._interval)
