"""Benchmark 3: the operator's bulk import (``shared-audits import-sites`` / ``import-reports``), then the
risk-analysis query by country and chapter.

The import runs the real command as a subprocess, so its own memory is measured beside
every service's and server's. Records are generated as JSON Lines files first (not timed).
Baselines in the same run: PyMongo's ``insert_many`` of the same site and audit documents
straight into the database (a sample, into a scratch database), and a bare endpoint reading
the same risk cells the query reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psutil
from pymongo import AsyncMongoClient

from bench.lean_http import LeanHttpClient, split_url
from bench.measure import REPO, Latencies, PeakMemory
from bench.read_api import bare_endpoint
from tests.integration.stack import Stack

# Countries where the members source (ISO codes); chapters S1-S9 of the social questionnaire.
COUNTRIES = ["BD", "CN", "IN", "VN", "TR", "PK", "KH", "ID", "MA", "PT", "MM", "LK", "ET", "EG", "MX", "BR",
             "TH", "MY", "PH", "TN"]
SEVERITIES = ["minor", "major"]


def write_import_files(directory: Path, questionnaire: dict, count: int, findings: int, member_id: str,
                       audit_company_id: str) -> tuple[Path, Path]:
    """``count`` sites and one report of ``findings`` findings for each, as JSON Lines."""
    directory.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex[:8]
    rng = random.Random(run)
    social = {chapter["id"] for chapter in questionnaire["chapters"] if chapter["id"].startswith("S")}
    questions = [q for q in questionnaire["questions"] if q["chapter"] in social]
    rated = [q for q in questions if q["kind"] in ("rated", "best_practice")]
    today = datetime.now(UTC)
    sites, reports = directory / "sites.jsonl", directory / "reports.jsonl"
    with sites.open("w") as site_lines, reports.open("w") as report_lines:
        for index in range(count):
            factory_id = f"bench-{run}-f{index}"
            country = COUNTRIES[index % len(COUNTRIES)]
            site_lines.write(json.dumps({"factory_id": factory_id, "name": f"Import site {index} {run}",
                                         "country": country, "city": "Capital", "address": f"Plot {index}"}) + "\n")
            noes = {q["id"] for q in rng.sample(rated, 3)}
            answers = [{"question_id": q["id"], "note": "recorded"} if q["kind"] == "information" else
                       {"question_id": q["id"], "value": "no" if q["id"] in noes else "yes"} for q in questions]
            published = today - timedelta(days=rng.randint(1, 700), hours=rng.randint(0, 23))
            last_day: date = published.date() - timedelta(days=rng.randint(2, 9))
            report = {
                "audit_id": f"bench-{run}-a{index}", "factory_id": factory_id, "member_id": member_id,
                "audit_company_id": audit_company_id, "published_at": published.isoformat(), "workforce": 420,
                "country": country,
                "audit_first_day": (last_day - timedelta(days=1)).isoformat(), "audit_last_day": last_day.isoformat(),
                "answers": answers, "workers_interviewed": 13, "documents_sampled": 13, "auditor_days": 2,
                "findings": [{"chapter": rng.choice(sorted(social)), "severity": rng.choice(SEVERITIES),
                              "description": f"Finding {n} of site {index}",
                              "recommended_action": "Correct it and keep the record."} for n in range(findings)],
            }
            report_lines.write(json.dumps(report) + "\n")
    return sites, reports


def run_import(stack: Stack, command: str, path: Path, memory: PeakMemory) -> dict:
    """Run ``shared-audits <command> <path>`` (its progress bar shows); time and peak memory of the command."""
    environment = {**os.environ, "GATEWAY_URL": stack.gateway_url, "OPERATOR_CLIENT_ID": stack.operator_client_id,
                   "OPERATOR_CLIENT_SECRET": stack.operator_client_secret}
    started = time.perf_counter()
    process = subprocess.Popen([str(Path(sys.executable).parent / "shared-audits"), command, str(path)],
                               env=environment, cwd=REPO)
    peak = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, psutil.Process(process.pid).memory_info().rss / 2**20)
        except psutil.Error:
            pass
        memory.sample()
        time.sleep(0.5)
    return {"seconds": round(time.perf_counter() - started, 1), "exit_code": process.returncode,
            "command_peak_rss_mb": round(peak, 1)}


def _risk_total(cells: list[dict]) -> int:
    """Factories counted in chapter S1 over every country (suppressed cells give no number)."""
    return sum(cell["factories"] or 0 for cell in cells if cell["chapter"] == "S1")


def _risk_cells(response: httpx.Response) -> list[dict]:
    """The cells of a risk query's answer; anything but a 200 stops the benchmark with what was said."""
    if response.status_code != 200:
        raise RuntimeError(f"GET /audits/risk/countries answered {response.status_code}: {response.text[:300]}")
    return response.json()["cells"]


async def wait_until_counted(http: httpx.AsyncClient, headers: dict, expected: int, timeout: float) -> float:
    """Seconds until the risk analysis counts ``expected`` factories: audit-service learns each imported
    site's country from its FactoryRegistered event, after the site import returned."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        response = await http.get("/audits/risk/countries", headers=headers)
        if response.status_code == 200 and _risk_total(response.json()["cells"]) >= expected:
            break
        await asyncio.sleep(2)
    return round(time.perf_counter() - started, 1)


async def timed_reads(url: str, headers: dict, count: int) -> Latencies:
    """``count`` reads of ``url`` one after another (the query's latency, not the server's capacity)."""
    origin, path = split_url(url)
    latencies = []
    started = time.perf_counter()
    async with LeanHttpClient(origin, connections=1, headers=headers, timeout=120) as http:
        for _ in range(count):
            began = time.perf_counter()
            response = await http.get(path)
            if response.status_code == 200:
                latencies.append((time.perf_counter() - began) * 1000)
    return Latencies(latencies, count, time.perf_counter() - started)


async def raw_insert_rate(mongo_url: str, sites: Path, reports: Path, sample: int) -> dict:
    """Baseline: documents per second of PyMongo ``insert_many`` of the same records into the database."""
    client = AsyncMongoClient(mongo_url)
    scratch = client[f"bench_raw_{uuid.uuid4().hex[:6]}"]
    rates = {}
    try:
        for name, path, batch in (("sites", sites, 500), ("reports", reports, 200)):
            with path.open() as lines:
                documents = [json.loads(line) for _, line in zip(range(sample), lines)]
            started = time.perf_counter()
            for offset in range(0, len(documents), batch):
                await scratch[name].insert_many(documents[offset:offset + batch])
            rates[name] = round(len(documents) / (time.perf_counter() - started), 1)
    finally:
        await client.drop_database(scratch.name)
        await client.close()
    return rates


async def import_and_query(stack: Stack, member_headers: dict, member_id: str, audit_company_id: str,
                           count: int, findings: int, query_reads: int, data_dir: Path) -> dict:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=120) as http:
        questionnaire = (await http.get("/audits/questionnaire", headers=member_headers)).json()
        before = _risk_total(_risk_cells(await http.get("/audits/risk/countries", headers=member_headers)))
        print(f"\n3. Scale: writing {count:,} sites and {count:,} reports of {findings} findings to {data_dir} ...")
        sites, reports = await asyncio.to_thread(write_import_files, data_dir, questionnaire, count, findings,
                                                 member_id, audit_company_id)
        imports = {}
        with PeakMemory(interval=1.0) as memory:
            imports["sites"] = await asyncio.to_thread(run_import, stack, "import-sites", sites, memory)
            imports["reports"] = await asyncio.to_thread(run_import, stack, "import-reports", reports, memory)
            counted_after = await wait_until_counted(http, member_headers, before + count, timeout=max(600, count / 20))
        risk = await timed_reads(f"{stack.gateway_url}/audits/risk/countries", member_headers, query_reads)
        cells = len(_risk_cells(await http.get("/audits/risk/countries", headers=member_headers)))
    with bare_endpoint(stack.mongo_url) as bare:
        bare_risk = await timed_reads(f"{bare}/risk/cells", {}, query_reads)
    raw = await raw_insert_rate(stack.mongo_url, sites, reports, min(count, 5000))
    return {
        "records": count, "findings_per_report": findings, "findings": count * findings, "imports": imports,
        "risk_counted_seconds_after_import": counted_after, "peak_rss_mb": memory.peak,
        "risk_query": risk.summary(), "risk_cells": cells, "bare_risk_read": bare_risk.summary(),
        "raw_insert_many_per_s": raw,
    }
