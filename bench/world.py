"""What the benchmarks run against: a factory, members A and B linked to it, CAP items ready to decide.

The world is made the way real use makes it, through the platform's own doors: the
operator registers the organisations and the site, the members link through the API,
each CAP is opened by an ``AuditReportPublished`` on the audit topic (as audit-service's
outbox relay publishes a report; the operator's report import opens no CAP, those
audits' CAPs lived in the old system), evidence arrives as ``EvidenceStored`` on the
evidence topic (as evidence-store's relay publishes after a checked upload), and the
ids are read back through cap-service's API. Nothing is written into a service's database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import zip_longest

from shared_audits.contracts import topics
from shared_audits_client.api import eventually
from shared_audits_client.story import Cast, assemble_cast, link_with_consent
from tests.faults.helpers import (
    CapLoad,
    cap_load_through_api,
    caught_up,
    consumed,
    evidence_stored_events,
    publish,
    published_report,
    report_findings,
    wait_until,
)
from tests.integration.stack import Stack, running_local_stack

# Access tokens live 15 minutes (access-control's TOKEN_TTL_SECONDS): one is used for 10 at most.
TOKEN_REUSE_SECONDS = 600
# Each seeding phase may take this long per event before the world gives up (a floor of 2 minutes).
SECONDS_PER_EVENT = 0.05
# The topics notifier fans out to the members' feeds and inboxes.
NOTIFIER_SOURCES = (topics.ACCESS, topics.AUDIT, topics.CAP, topics.EVIDENCE)


@dataclass
class World:
    stack: Stack
    cast: Cast
    load: CapLoad = field(default_factory=lambda: CapLoad(""))
    seeding: dict = field(default_factory=dict)  # how long each seeding phase took
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

    CAPs of 10 items, as real audits' CAPs mostly are. Prints how long seeding took and at what rate.
    """
    stack = running_local_stack()
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         label=f"bench-{os.getpid()}")
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, cast.factory_id)
    load, seeding = seed_caps(stack, cast, -(-items // items_per_cap), items_per_cap)
    return World(stack, cast, load, seeding)


def _phase_timeout(events: int) -> float:
    return max(120.0, events * SECONDS_PER_EVENT)


def seed_caps(stack: Stack, cast: Cast, caps: int, items_per_cap: int) -> tuple[CapLoad, dict]:
    """``caps`` open CAPs of ``items_per_cap`` items for the cast's factory, each item with its evidence,
    made through the events the platform's own services publish; returns them and the phases' seconds."""
    bootstrap, factory_id = stack.kafka_bootstrap, cast.factory_id
    cap_events_before = consumed(bootstrap, "notifier", topics.CAP.name)[1]
    started = time.monotonic()

    # The audit reports, published as audit-service's relay does: cap-service opens a CAP for each.
    findings = report_findings(items_per_cap)
    publish(bootstrap, [published_report(factory_id, findings) for _ in range(caps)], "audit-service")
    wait_until(caught_up(stack, "cap-service", topics.AUDIT.name), _phase_timeout(caps), interval=1.0,
               what=f"cap-service to open {caps:,} CAPs")
    opened = time.monotonic()

    # The ids, as a linked member reads them through cap-service's API.
    load = cap_load_through_api(cast.member_a, factory_id, caps, timeout=_phase_timeout(caps))
    if load.item_count != caps * items_per_cap:
        raise RuntimeError(f"cap-service lists {load.item_count:,} items, {caps * items_per_cap:,} expected")
    listed = time.monotonic()

    # Evidence for every item, as evidence-store's relay publishes it after an upload.
    publish(bootstrap, evidence_stored_events(load), "evidence-store")
    wait_until(caught_up(stack, "cap-service", topics.EVIDENCE.name), _phase_timeout(load.item_count),
               interval=1.0, what=f"cap-service to take {load.item_count:,} evidence files in")
    evidenced = time.monotonic()
    waiting = sum(item["status"] == "evidence_submitted"
                  for cap in cast.member_a.caps_of_factory(factory_id) for item in cap["items"])
    if waiting != load.item_count:
        raise RuntimeError(f"{waiting:,} of {load.item_count:,} items hold submitted evidence")

    # Member B reads what A decides (benchmark 2): its link is in cap-service too.
    eventually(lambda: cast.member_b.cap(next(iter(load.caps))), timeout=60)

    # cap-service's relay publishes CapOpened and CapItemEvidenceSubmitted; notifier fans everything
    # out to both members. Benchmark 1 starts on a quiet notifier, with the links taken in.
    news = caps + load.item_count
    wait_until(lambda: consumed(bootstrap, "notifier", topics.CAP.name)[1] - cap_events_before >= news,
               _phase_timeout(news), interval=1.0, what=f"cap-service's relay to publish {news:,} events")
    for topic in NOTIFIER_SOURCES:
        wait_until(caught_up(stack, "notifier", topic.name), _phase_timeout(4 * news), interval=1.0,
                   what=f"notifier to fan out {topic.name}")
    finished = time.monotonic()

    seeding = {
        "caps": caps, "items": load.item_count, "seconds": round(finished - started, 1),
        "reports_to_caps_seconds": round(opened - started, 1), "ids_through_api_seconds": round(listed - opened, 1),
        "evidence_seconds": round(evidenced - listed, 1), "notifier_fan_out_seconds": round(finished - evidenced, 1),
    }
    print(f"seeded {caps:,} CAPs ({load.item_count:,} items) through events and the API in "
          f"{seeding['seconds']} s: CAPs opened at {caps / max(opened - started, 1e-3):,.0f}/s, "
          f"ids read in {seeding['ids_through_api_seconds']} s, evidence taken in at "
          f"{load.item_count / max(evidenced - listed, 1e-3):,.0f}/s, notifier quiet "
          f"{seeding['notifier_fan_out_seconds']} s after", flush=True)
    return load, seeding
