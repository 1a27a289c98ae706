"""Bulk imports for operators: production sites and audit reports from the system the platform replaces.

Each kind of record goes to the service that owns it (sites to factory-registry,
reports to audit-service), in batches through the gateway, with the operator's
token. Input is JSON Lines, one record per line, each with its id from the old
system, so a re-run skips what is already in.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import httpx

# What each kind of record is, where it goes and how its batch is wrapped.
KINDS = {
    "factories": ("/registry/imports/factories", "factories", "factory_id"),
    "reports": ("/audits/imports/reports", "reports", "audit_id"),
}


@dataclass
class ImportTotals:
    imported: int = 0
    already_imported: int = 0
    rejected: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, answer: dict) -> None:
        self.imported += answer["imported"]
        self.already_imported += answer["already_imported"]
        self.rejected += answer["rejected"]


def read_batches(path: Path, size: int) -> Iterator[list[dict]]:
    """The records of a JSON Lines file, ``size`` at a time (the file is never held whole)."""
    with path.open() as lines:
        records = (json.loads(line) for line in lines if line.strip())
        while batch := list(islice(records, size)):
            yield batch


def count_records(path: Path) -> int:
    with path.open() as lines:
        return sum(1 for line in lines if line.strip())


class OperatorSession:
    """The operator's token, fetched again when it expires during a long import."""

    def __init__(self, http: httpx.AsyncClient, client_id: str, client_secret: str) -> None:
        self._http = http
        self._credentials = {"grant_type": "client_credentials", "client_id": client_id,
                             "client_secret": client_secret}
        self._token: str | None = None

    async def token(self, renew: bool = False) -> str:
        if self._token is None or renew:
            response = await self._http.post("/access/token", data=self._credentials)
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    async def post(self, path: str, body: dict) -> httpx.Response:
        response = await self._http.post(path, json=body, headers={"Authorization": f"Bearer {await self.token()}"})
        if response.status_code == 401:
            response = await self._http.post(path, json=body,
                                             headers={"Authorization": f"Bearer {await self.token(renew=True)}"})
        return response


async def import_file(
    gateway: str, client_id: str, client_secret: str, kind: str, path: Path,
    batch_size: int, parallel: int, advance: Callable[[int], None] = lambda _: None,
) -> ImportTotals:
    """Send the records of ``path`` in batches, ``parallel`` requests at a time; ``advance(n)`` after each."""
    endpoint, wrapper, id_field = KINDS[kind]
    totals = ImportTotals()
    batches = read_batches(path, batch_size)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=gateway, timeout=600) as http:
        session = OperatorSession(http, client_id, client_secret)

        async def sender() -> None:
            for batch in batches:  # one shared iterator: each batch is sent once
                for attempt in range(5):
                    response = await session.post(endpoint, {wrapper: batch})
                    if response.status_code < 500 and response.status_code != 429:
                        break
                    await asyncio.sleep(2 ** attempt)  # the service is busy or restarting
                if response.status_code == 200:
                    totals.add(response.json())
                else:
                    detail = response.text[:300]
                    totals.rejected += [{id_field: record.get(id_field, "?"), "detail": detail} for record in batch]
                advance(len(batch))

        await asyncio.gather(*(sender() for _ in range(parallel)))
    totals.seconds = time.perf_counter() - started
    return totals
