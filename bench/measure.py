"""Measuring helpers: percentiles, an open-loop pacer, and resident memory of the stack's processes."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
RUN_DIR = REPO / ".stack" / "run"
SERVICES = ["access-control", "factory-registry", "audit-service", "cap-service", "evidence-store", "notifier"]
SERVERS = ["kafka", "secantusdb", "s3", "gateway"]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; NaN-free: 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Latencies:
    """Latencies in milliseconds, and how many were expected."""

    values: list[float]
    expected: int
    seconds: float

    def summary(self) -> dict:
        return {
            "count": len(self.values), "expected": self.expected,
            "p50_ms": round(percentile(self.values, 50), 2), "p95_ms": round(percentile(self.values, 95), 2),
            "p99_ms": round(percentile(self.values, 99), 2),
            "mean_ms": round(statistics.fmean(self.values), 2) if self.values else 0.0,
            "throughput_per_s": round(len(self.values) / self.seconds, 1) if self.seconds else 0.0,
        }


# Requests in flight at once in an open-loop run; the rest wait their turn in order.
IN_FLIGHT = 256


async def paced(rate: float, count: int, task: Callable[[int, float], Awaitable[None]],
                in_flight: int = IN_FLIGHT) -> float:
    """Start ``task(i, scheduled)`` ``count`` times at ``rate`` per second, wait for all; returns
    the elapsed seconds. ``scheduled`` is the wall-clock time (``time.time()``) the call was due.

    Open loop: a slow answer does not slow the schedule. At most ``in_flight`` calls run at
    once and the rest queue here, in order; a latency counted from ``scheduled`` includes that
    queueing, as a user's would. (The HTTP calls go through bench/lean_http.py: httpx's pool
    made the measuring client the bottleneck, see there.)
    """
    gate = asyncio.Semaphore(in_flight)

    async def gated(index: int, scheduled: float) -> None:
        async with gate:
            await task(index, scheduled)

    started = time.perf_counter()
    running = []
    for index in range(count):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        running.append(asyncio.create_task(gated(index, time.time())))
    await asyncio.gather(*running)
    return time.perf_counter() - started


def stack_pids() -> dict[str, int]:
    """The pid of each running service and server of the local stack (from stack.py's pid files)."""
    pids = {}
    for name in SERVICES + SERVERS:
        try:
            pids[name] = json.loads((RUN_DIR / f"{name}.json").read_text())["pid"]
        except (OSError, ValueError, KeyError):
            continue
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
        return round(sum(p.memory_info().rss for p in processes) / 2**20, 1)
    except psutil.Error:
        return 0.0


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) each process of the stack has used so far, its children included,
    and this measuring process's own ("bench")."""
    own = psutil.Process().cpu_times()
    used = {"bench": own.user + own.system}
    for name, pid in stack_pids().items():
        try:
            process = psutil.Process(pid)
            times = [p.cpu_times() for p in (process, *process.children(recursive=True))]
            used[name] = sum(t.user + t.system for t in times)
        except psutil.Error:
            continue
    return used


class CpuShare:
    """Share of one core each process of the stack used between enter and exit (100: one core busy)."""

    def __enter__(self) -> CpuShare:
        self._started, self._before = time.perf_counter(), cpu_seconds()
        self.share: dict[str, float] = {}
        return self

    def __exit__(self, *_: object) -> None:
        elapsed, after = time.perf_counter() - self._started, cpu_seconds()
        self.share = {name: round(100 * (after[name] - used) / elapsed) for name, used in self._before.items()
                      if name in after}


class PeakMemory:
    """Samples the services' resident memory in the background; keeps the peak of each."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peak: dict[str, float] = {}
        self._task: asyncio.Task | None = None

    def sample(self) -> dict[str, float]:
        now = {name: rss_mb(pid) for name, pid in stack_pids().items()}
        for name, value in now.items():
            self.peak[name] = max(self.peak.get(name, 0.0), value)
        return now

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self.sample()
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task:
            self._task.cancel()
        self.sample()


def machine() -> dict:
    """What the figures ran on."""
    import platform

    load1, load5, _ = psutil.getloadavg()
    return {
        "cpu": platform.processor() or platform.machine(), "logical_cpus": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version(),
        "system": platform.platform(), "load_average_1m_5m_at_start": [round(load1, 1), round(load5, 1)],
    }
