"""What the benchmarks run against: a factory, members A and B linked to it, CAP items ready to decide."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import zip_longest

from pymongo import AsyncMongoClient

from cap_service.adapters.rules import load_deadline_rules
from cap_service.domain.model import Cap
from shared_audits.contracts import topics
from shared_audits.store import MongoAggregateStore
from shared_audits_client.api import eventually
from shared_audits_client.story import Cast, assemble_cast
from tests.faults.helpers import CapLoad, caught_up, published_report, report_findings, wait_until
from tests.integration.stack import LOCAL_DEFAULTS, Stack, _from_environment

# CAPs written per bulk insert while seeding.
SEED_BATCH = 200
# Access tokens live 15 minutes (access-control's TOKEN_TTL_SECONDS): one is used for 10 at most.
TOKEN_REUSE_SECONDS = 600


def local_stack() -> Stack:
    """The running local stack (ports from the environment, as stack.py uses them)."""
    return _from_environment(**LOCAL_DEFAULTS)


@dataclass
class World:
    stack: Stack
    cast: Cast
    load: CapLoad = field(default_factory=lambda: CapLoad(""))
    _order: Iterator[tuple[str, str]] | None = None
    _tokens: dict[str, tuple[float, str]] = field(default_factory=dict)  # role -> (fetched at, token)

    @property
    def member_b(self) -> str:
        return self.cast.organisations["member_b"].organisation_id

    def token(self, role: str = "member_a") -> str:
        """A bearer token of ``role`` with at least 5 minutes left: a run at 500/s for 60 s queues
        for longer than a token lives (15 minutes), so long runs ask again as they go."""
        fetched_at, token = self._tokens.get(role, (0.0, ""))
        if time.monotonic() - fetched_at > TOKEN_REUSE_SECONDS:
            organisation = self.cast.organisations[role]
            client = getattr(self.cast, role)
            token = "Bearer " + client.token(organisation.client_id, organisation.client_secret)
            self._tokens[role] = (time.monotonic(), token)
        return token

    def take(self, count: int) -> list[tuple[str, str]]:
        """Items not decided yet, interleaved across CAPs so that concurrent decisions touch different CAPs."""
        if self._order is None:
            columns = zip_longest(*[[(cap, item) for item in items] for cap, items in self.load.caps.items()])
            self._order = (pair for row in columns for pair in row if pair)
        taken = [pair for _, pair in zip(range(count), self._order)]
        if len(taken) < count:
            raise RuntimeError(f"only {len(taken)} items left, {count} wanted")
        return taken


def prepare_world(items: int, items_per_cap: int = 10) -> World:
    """A fresh cast, members A and B linked to its factory, and ``items`` CAP items holding evidence.

    The CAPs are seeded straight into cap-service's database, built by cap-service's own
    domain model (opened from a report, evidence submitted on every item) and written by
    its aggregate store with an empty outbox, as a restored backup would hold them. The
    benchmarks measure what follows a decision; bringing 36,000 items to that state through
    the events (a full run) would take FerretDB v1 hours (docs/proof.md, finding 3).
    CAPs of 10 items, as real audits' CAPs mostly are.
    """
    stack = local_stack()
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         label=f"bench-{os.getpid()}")
    factory_id = cast.factory_id
    for member in (cast.member_a, cast.member_b):
        eventually(lambda member=member: member.link_factory(factory_id, "supplier"))
    load = asyncio.run(seed_caps(stack, factory_id, -(-items // items_per_cap), items_per_cap))
    # cap-service checks each member's link, and notifier fans a decision out to the linked
    # members: both must have taken the links in first.
    first_cap = next(iter(load.caps))
    for member in (cast.member_a, cast.member_b):
        eventually(lambda member=member: member.cap(first_cap), timeout=60)
    wait_until(caught_up(stack, "notifier", topics.ACCESS.name), 120, what="notifier to take the links in")
    return World(stack, cast, load)


async def seed_caps(stack: Stack, factory_id: str, caps: int, items_per_cap: int) -> CapLoad:
    """``caps`` open CAPs of ``items_per_cap`` items, each item with its evidence, in cap-service's database."""
    rules, now = load_deadline_rules(), datetime.now(UTC)
    findings = report_findings(items_per_cap)
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    store = MongoAggregateStore(client["cap_service"]["caps"], Cap, "bench")
    load = CapLoad(factory_id)
    try:
        for start in range(0, caps, SEED_BATCH):
            batch = []
            for _ in range(min(SEED_BATCH, caps - start)):
                cap = Cap.open_from_report(published_report(factory_id, findings), rules, now)
                for item in cap.items:
                    cap.submit_evidence(item.item_id, str(uuid.uuid4()))
                cap.take_recorded()  # seeded state, not news: nothing for the feeds
                batch.append(cap)
                load.caps[cap.id] = [item.item_id for item in cap.items]
            await store.add_many(batch)
    finally:
        await client.close()
    return load
