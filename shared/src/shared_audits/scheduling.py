"""Background jobs of a service process: a coroutine run every few seconds until shutdown.

Every loop of a process is one: the services' jobs, the metrics sampler; the outbox
relay's loop (woken by writes, sweeping on a schedule) stops the same way (``stop_task``).

A failing run is logged and retried at the next tick; the job never dies of it.
Jobs must be safe to run in several instances at once (claim work with a
conditional single-document update), since every instance runs them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class PeriodicJob:
    def __init__(self, name: str, interval_seconds: float, run: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self._interval = interval_seconds
        self._run = run
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self._run()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - logged with its trace, retried at the next tick
                logger.exception("background job failed; retrying at the next tick", extra={"job": self.name})
            await asyncio.sleep(self._interval)


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background loop and wait until it has ended (None: it never started)."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
