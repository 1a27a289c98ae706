"""Benchmark 2: a member reads a factory's CAP through the gateway, beside a bare endpoint doing the same read."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.lean_http import LeanHttpClient, split_url
from bench.measure import IN_FLIGHT, REPO, Latencies, paced


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def bare_endpoint(mongo_url: str) -> Iterator[str]:
    """Start bench/bare_read.py under uvicorn on a free local port; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare_read:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"], cwd=REPO, env={**os.environ, "MONGO_URL": mongo_url},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/caps/none", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the bare endpoint did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def closed_loop(url: str, headers: dict, concurrency: int, seconds: float) -> Latencies:
    """As many reads as ``concurrency`` callers can make in ``seconds``: the throughput."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    origin, path = split_url(url)
    async with LeanHttpClient(origin, connections=concurrency, headers=headers, timeout=30) as http:

        async def caller() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await http.get(path)
                except ConnectionError:
                    errors += 1
                    continue
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Latencies(latencies, len(latencies) + errors, elapsed)


async def fixed_rate(url: str, headers: dict, rate: float, seconds: float) -> Latencies:
    """Reads started at ``rate`` per second whatever the answers' pace: the latency at that load."""
    latencies: list[float] = []
    origin, path = split_url(url)
    async with LeanHttpClient(origin, connections=IN_FLIGHT, headers=headers, timeout=30) as http:

        async def read(_: int, scheduled: float) -> None:
            try:
                response = await http.get(path)
            except ConnectionError:
                return
            if response.status_code == 200:
                latencies.append((time.time() - scheduled) * 1000)

        elapsed = await paced(rate, int(rate * seconds), read)
    return Latencies(latencies, int(rate * seconds), elapsed)
