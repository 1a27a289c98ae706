"""What the benchmarks run against: a factory, members A and B linked to it, CAP items ready to decide."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import zip_longest

from shared_audits_client.story import Cast, assemble_cast
from tests.faults.helpers import CapLoad, caught_up, database, evidence_stored_events, open_caps, publish, wait_until
from tests.integration.stack import LOCAL_DEFAULTS, Stack, _from_environment


def local_stack() -> Stack:
    """The running local stack (ports from the environment, as stack.py uses them)."""
    return _from_environment(**LOCAL_DEFAULTS)


@dataclass
class World:
    stack: Stack
    cast: Cast
    load: CapLoad = field(default_factory=lambda: CapLoad(""))
    _order: Iterator[tuple[str, str]] | None = None

    @property
    def member_b(self) -> str:
        return self.cast.organisations["member_b"].organisation_id

    def token(self, role: str = "member_a") -> str:
        return getattr(self.cast, role)._http.headers["Authorization"]

    def take(self, count: int) -> list[tuple[str, str]]:
        """Items not decided yet, interleaved across CAPs so that concurrent decisions touch different CAPs."""
        if self._order is None:
            columns = zip_longest(*[[(cap, item) for item in items] for cap, items in self.load.caps.items()])
            self._order = (pair for row in columns for pair in row if pair)
        taken = [pair for _, pair in zip(range(count), self._order)]
        if len(taken) < count:
            raise RuntimeError(f"only {len(taken)} items left, {count} wanted")
        return taken


def prepare_world(items: int, items_per_cap: int = 10, progress: bool = True) -> World:
    """A fresh cast and ``items`` CAP items with evidence waiting for a decision, every consumer caught up.

    CAPs of 10 items: FerretDB v1 re-encodes a whole document on every read and write, so
    the CAP's size, not the number of CAPs, bounds how fast cap-service takes evidence in
    (docs/proof.md, finding 3). Progress is read from consumer-group offsets; a database
    scan every second would itself load the server being measured.
    """
    stack = local_stack()
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         label=f"bench-{os.getpid()}")
    caps = -(-items // items_per_cap)
    load = open_caps(stack, cast, caps, items_per_cap, timeout=600, via_events=True)
    publish(stack.kafka_bootstrap, evidence_stored_events(load))
    for group, topic in [("cap-service", "ics.evidence.v1"),
                         ("notifier", "ics.evidence.v1"), ("notifier", "ics.cap.v1")]:
        wait_until(caught_up(stack, group, topic), 1800, interval=2.0, what=f"{group} to consume {topic}")
    caps_db = database(stack, "cap-service").caps
    documents = caps_db.find({"factory_id": load.factory_id}, {"items.status": 1})
    ready = sum(item["status"] == "evidence_submitted" for doc in documents for item in doc["items"])
    if ready != load.item_count:
        raise RuntimeError(f"{ready} of {load.item_count} bench items have their evidence")
    return World(stack, cast, load)
