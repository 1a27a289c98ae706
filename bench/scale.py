"""Benchmark 3: an import through the public API (factories, then audit reports with findings), with a
progress bar, the peak memory of every service, then reads of what was imported.

The risk-analysis query is not in audit-service yet; the reads measured instead are
the registry's factory read and cap-service's CAP list of a factory.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import httpx
from tqdm import tqdm

from bench.measure import Latencies, PeakMemory
from bench.world import World

COUNTRIES = ["BD", "CN", "IN", "VN", "TR", "PK", "KH", "ID", "MA", "PT"]
CHAPTERS = ["1 Management systems, transparency and traceability", "7 Working hours and overtime",
            "8 Remuneration and benefits", "9 Health and safety"]


async def _bounded(concurrency: int, count: int, task, label: str) -> float:
    """Run ``task(i)`` for i < count, ``concurrency`` at a time, under a progress bar; seconds taken."""
    queue = iter(range(count))
    started = time.perf_counter()
    with tqdm(total=count, desc=label, unit="rec", leave=True) as bar:

        async def worker() -> None:
            for index in queue:
                await task(index)
                bar.update(1)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def import_and_read(world: World, factories: int, reports: int, findings: int, concurrency: int = 8) -> dict:
    gateway = world.stack.gateway_url
    operator, member_a, auditor = (world.token(role) for role in ("operator", "member_a", "auditor"))
    auditor_id = world.cast.organisations["auditor"].organisation_id
    factory_ids: list[str] = []
    failures = {"factories": 0, "reports": 0}
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=gateway, timeout=120, limits=limits) as http:

        async def register(index: int) -> None:
            body = {"name": f"Import site {index} {uuid.uuid4().hex[:6]}", "country": random.choice(COUNTRIES),
                    "city": "Dhaka", "address": f"Plot {index}"}
            response = await http.post("/registry/factories", json=body, headers={"Authorization": operator})
            if response.status_code == 201:
                factory_ids.append(response.json()["factory_id"])
            else:
                failures["factories"] += 1

        async def report(index: int) -> None:
            factory_id = factory_ids[index % len(factory_ids)]
            for _ in range(100):  # access-control learns of the site through its event
                linked = await http.post("/access/links", json={"factory_id": factory_id, "relationship": "supplier"},
                                         headers={"Authorization": member_a})
                if linked.status_code == 201:
                    break
                await asyncio.sleep(0.2)
            mandated = await http.post("/audits/audits", headers={"Authorization": member_a}, json={
                "factory_id": factory_id, "audit_company_id": auditor_id, "audit_type": "initial"})
            if mandated.status_code != 201:
                failures["reports"] += 1
                return
            body = {"compliance_percentage": round(random.uniform(40, 95), 1), "findings": [
                {"chapter": random.choice(CHAPTERS), "severity": random.choice(["minor", "major"]),
                 "description": f"Finding {n}", "recommended_action": "Correct it."} for n in range(findings)]}
            submitted = await http.post(f"/audits/audits/{mandated.json()['audit_id']}/report", json=body,
                                        headers={"Authorization": auditor})
            if submitted.status_code != 200:
                failures["reports"] += 1

        with PeakMemory() as memory:
            factory_seconds = await _bounded(concurrency, factories, register, "factories")
            report_seconds = await _bounded(concurrency, reports, report, "audit reports")

        reads = {}
        sample = factory_ids[:50]
        for name, path in (("registry factory read", "/registry/factories/{}"),
                           ("CAP list of a factory", "/caps/caps?factory_id={}")):
            token = operator if name.startswith("registry") else member_a
            latencies = []
            started = time.perf_counter()
            for factory_id in sample:
                began = time.perf_counter()
                response = await http.get(path.format(factory_id), headers={"Authorization": token})
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - began) * 1000)
            reads[name] = Latencies(latencies, len(sample), time.perf_counter() - started).summary()

    factory_rate = (factories - failures["factories"]) / factory_seconds
    report_rate = (reports - failures["reports"]) / report_seconds
    return {
        "factories": factories, "reports": reports, "findings_per_report": findings, "failures": failures,
        "factory_seconds": round(factory_seconds, 1), "report_seconds": round(report_seconds, 1),
        "factories_per_s": round(factory_rate, 1), "reports_per_s": round(report_rate, 2),
        "extrapolated_100k_factories_h": round(100_000 / factory_rate / 3600, 1) if factory_rate else None,
        "extrapolated_100k_reports_h": round(100_000 / report_rate / 3600, 1) if report_rate else None,
        "peak_rss_mb": memory.peak, "reads": reads,
    }
