"""The benchmark command: python -m bench [--quick] [--only NAME ...] [--out FILE]

Runs against the local stack already up (`make up`, ports from the environment),
prints one table per benchmark and writes every figure, with the machine, as JSON.
Each benchmark measures a baseline in the same run on the same servers:
  propagation  A accepts a CAP item -> B's feed has it, vs the raw aiokafka round trip
  read         a member reads a CAP through the gateway, vs a bare endpoint doing the same read
  scale        an import through the API with a progress bar, peak memory, then reads
  footprint    resident memory of each service idle and under the propagation load
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from bench.measure import REPO, PeakMemory, machine, stack_pids
from bench.propagation import platform_propagation, raw_round_trip
from bench.read_api import bare_endpoint, closed_loop, fixed_rate
from bench.scale import import_and_read
from bench.world import prepare_world

BENCHMARKS = ["propagation", "read", "scale", "footprint"]


def table(title: str, header: list[str], rows: list[list]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([f"\n{title}", line(header), line(["-" * w for w in widths]), *map(line, rows)])


async def run(args: argparse.Namespace) -> dict:
    seconds = 10 if args.quick else 60
    rates = [100, 500]
    results: dict = {"machine": machine(), "quick": args.quick, "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    wanted = set(args.only or BENCHMARKS)
    items = sum(int(rate * seconds) for rate in rates) if wanted & {"propagation", "footprint"} else 0
    world = await asyncio.to_thread(prepare_world, max(items, 50))  # it runs its own event loops
    idle = PeakMemory().sample()

    if wanted & {"propagation", "footprint"}:
        rows, results["propagation"] = [], {}
        with PeakMemory() as under_load:
            for rate in rates:
                platform, statuses = await platform_propagation(world, rate, seconds)
                raw = await raw_round_trip(world.stack.kafka_bootstrap, rate, seconds)
                p, r = platform.summary(), raw.summary()
                results["propagation"][str(rate)] = {"platform": p, "raw_kafka": r, "http_statuses": statuses}
                ratio = round(p["p99_ms"] / r["p99_ms"], 1) if r["p99_ms"] else None
                rows.append([f"{rate}/s x {seconds}s", f"{p['count']}/{p['expected']}", p["p50_ms"], p["p99_ms"],
                             p["throughput_per_s"], r["p50_ms"], r["p99_ms"], ratio])
        print(table("1. Propagation: A accepts -> B's feed (ms), beside the raw aiokafka round trip (ms)",
                    ["load", "received", "p50", "p99", "decided/s", "raw p50", "raw p99", "p99 ratio"], rows))
        results["footprint"] = {"idle_rss_mb": idle, "peak_rss_mb_under_propagation": under_load.peak}
        print(table("4. Footprint: resident memory per service (MiB)", ["service", "idle", "under benchmark 1"],
                    [[name, idle.get(name), under_load.peak.get(name)] for name in sorted(idle)]))

    if "read" in wanted:
        cap_id = next(iter(world.load.caps))
        headers = {"Authorization": world.token("member_b")}
        platform_url = f"{world.stack.gateway_url}/caps/caps/{cap_id}"
        with bare_endpoint(world.stack.mongo_url) as bare:
            bare_url = f"{bare}/caps/{cap_id}"
            measured = {
                "platform_throughput": (await closed_loop(platform_url, headers, 32, seconds)).summary(),
                "bare_throughput": (await closed_loop(bare_url, {}, 32, seconds)).summary(),
                "platform_at_200": (await fixed_rate(platform_url, headers, 200, seconds)).summary(),
                "bare_at_200": (await fixed_rate(bare_url, {}, 200, seconds)).summary(),
            }
        results["read"] = measured
        print(table("2. Read API: one CAP (50 items) by a linked member; gateway+service vs bare endpoint",
                    ["what", "req/s", "p50 ms", "p99 ms", "ok/sent"],
                    [[name, m["throughput_per_s"], m["p50_ms"], m["p99_ms"], f"{m['count']}/{m['expected']}"]
                     for name, m in measured.items()]))

    if "scale" in wanted:
        sizes = (200, 20, 20) if args.quick else (args.factories, args.reports, 20)
        scale = await import_and_read(world, *sizes)
        results["scale"] = scale
        print(table("3. Scale: import through the public API", ["what", "value"], [
            ["factories imported", f"{scale['factories']} in {scale['factory_seconds']} s ({scale['factories_per_s']}/s)"],
            ["audit reports imported", f"{scale['reports']} x {scale['findings_per_report']} findings in "
                                       f"{scale['report_seconds']} s ({scale['reports_per_s']}/s)"],
            ["100,000 factories, extrapolated", f"{scale['extrapolated_100k_factories_h']} h"],
            ["100,000 reports, extrapolated", f"{scale['extrapolated_100k_reports_h']} h"],
            ["failures", scale["failures"]],
            *[[f"peak RSS {name} (MiB)", value] for name, value in sorted(scale["peak_rss_mb"].items())],
            *[[f"{name} p50/p95-ish p99 ms", f"{m['p50_ms']} / {m['p99_ms']}"] for name, m in scale["reads"].items()],
        ]))
    results["services"] = sorted(stack_pids())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s per load level instead of 60 s, a small import")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS)
    parser.add_argument("--factories", type=int, default=2000, help="import size without --quick")
    parser.add_argument("--reports", type=int, default=200, help="import size without --quick")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nmachine: {results['machine']}\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
