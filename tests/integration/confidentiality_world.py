"""Worlds for the confidentiality property, built through the gateway only.

A module-wide pool of sites carries the expensive data of every service: each
site has its own factory account, a Factory Profile, a published audit of an
audit company mandated by a member that stays linked, a CAP with an item and
evidence uploaded by the factory. The same members then play every hypothesis
example on top of what earlier examples left: they link and unlink pool sites
before and after some factory activity (a new profile naming subcontractors,
new evidence); a ledger records what each member must and may have heard.

Waiting without sleeps: events about one site keep their order, so once a
sentinel member that linked a site last sees it in a service, every earlier
link change of that site has reached that service. Two pairs of sentinels take
turns: a pair unlinks at the end of its example and is seen gone everywhere
before it links again.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared_audits.contracts.topics import TopicSpec, member_feed_topic
from shared_audits.member_groups import LINKED_MEMBER
from shared_audits_client import ApiError, Organisation, PlatformClient, eventually
from shared_audits_client.story import (
    SAMPLE_PDF,
    Cast,
    assemble_cast,
    link_with_consent,
    publish_report_with_findings,
    report_rated_b,
)

# A member's own request and its answer, told to that member alone.
REQUEST_TYPES = {"LinkRequested", "LinkRequestAccepted"}
LINK_TYPES = {"FactoryLinked", "FactoryUnlinked", *REQUEST_TYPES}
WORKFORCE = {"female": 10, "male": 10, "permanent": 15, "temporary": 5}

Step = tuple[int, int, bool]  # member, pool site, link (True) or unlink (False)


@dataclass
class PoolSite:
    """A site with data in every service; its mandating member stays linked to it and rejected the first evidence."""

    cast: Cast
    audit_id: str
    cap_id: str
    item_id: str
    evidence_ids: list[str]
    profile_versions: int = 1
    subcontractors: list[int] = field(default_factory=list)  # pool indexes named by its current profile

    @property
    def factory_id(self) -> str:
        return self.cast.factory_id

    @property
    def factory_org(self) -> Organisation:
        return self.cast.organisations["factory"]

    @property
    def auditor_org(self) -> Organisation:
        return self.cast.organisations["auditor"]

    @property
    def mandating_member_id(self) -> str:
        """The member that mandated the site's audit and decided on its evidence (in no member group)."""
        return self.cast.organisations["member_a"].organisation_id

    @property
    def member_ids(self) -> set[str]:
        return {self.cast.organisations[role].organisation_id for role in ("member_a", "member_b")}


def build_pool_site(gateway_url: str, operator_id: str, operator_secret: str, label: str) -> PoolSite:
    """One site through the whole audit cycle up to evidence waiting for a decision."""
    cast = assemble_cast(gateway_url, operator_id, operator_secret, label=label)
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    finding = report_rated_b(cast.auditor.questionnaire(), cast.auditor.sample_size(420))["findings"]
    audit = publish_report_with_findings(cast, finding)

    def cap_opened() -> dict:
        caps = cast.member_a.caps_of_factory(cast.factory_id)
        assert caps, "no CAP yet"
        return caps[0]

    cap = eventually(cap_opened)
    item_id = cap["items"][0]["item_id"]
    evidence = eventually(
        lambda: cast.factory.upload_evidence(cap["cap_id"], item_id, "permit.pdf", SAMPLE_PDF, "application/pdf")
    )
    # A decision by the mandating member: every other member must read it as a linked member's.
    eventually(lambda: cast.member_a.decide(cap["cap_id"], item_id, "reject", "The permit has expired."))
    return PoolSite(cast, audit["audit_id"], cap["cap_id"], item_id, [evidence["evidence_id"]])


def build_pool(gateway_url: str, operator_id: str, operator_secret: str, sites: int) -> list[PoolSite]:
    label = uuid.uuid4().hex[:6]
    with ThreadPoolExecutor(sites) as workers:
        futures = [workers.submit(build_pool_site, gateway_url, operator_id, operator_secret, f"{label}-{i}")
                   for i in range(sites)]
        return [future.result() for future in futures]


@dataclass
class Activity:
    """What a site's factory does between the two rounds of link changes."""

    profile: list[int] | None  # a new profile naming these pool sites as subcontractors, or none
    evidence: bool


@dataclass
class World:
    before: list[Step]
    activity: dict[int, Activity]
    after: list[Step]


def register_member(operator: PlatformClient, gateway_url: str, name: str) -> tuple[PlatformClient, str]:
    org = operator.register_organisation(name, "member")
    return PlatformClient.login(gateway_url, org.client_id, org.client_secret), org.organisation_id


def _status(call) -> int:
    try:
        call()
    except ApiError as error:
        return error.status
    return 200


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class LinkLedger:
    """Plays link changes and records who must hear of each one (the linked members, and the changer).

    A link is asked for and accepted by the site's factory: the request and its acceptance are
    told to the asking member alone, never to another member linked to the site. Another member
    hears of a link as a linked member's (``LINKED_MEMBER``), unless one of ``groups`` holds both.
    """

    def __init__(self, pool: list[PoolSite], clients: list[PlatformClient], member_ids: list[str],
                 groups: list[set[int]] | None = None) -> None:
        self.pool = pool
        self.clients = clients
        self.member_ids = member_ids
        self.groups = groups or []
        self.linked: set[tuple[int, int]] = set()
        self.ever: set[tuple[int, int]] = set()
        self.heard: list[Counter] = [Counter() for _ in member_ids]
        self.since: dict[tuple[int, int], datetime] = {}  # the moment of each member's latest link

    def together(self, member: int, other: int) -> bool:
        """Whether ``member`` sees ``other``'s id: itself, or a member of one of its groups."""
        return member == other or any(member in group and other in group for group in self.groups)

    def _announce(self, kind: str, member: int, site: int) -> None:
        for other in range(len(self.member_ids)):
            if other == member or (other, site) in self.linked:
                shown = self.member_ids[member] if self.together(other, member) else LINKED_MEMBER
                self.heard[other][(kind, shown, self.pool[site].factory_id)] += 1

    def _tell_the_asker(self, kind: str, member: int, site: int) -> None:
        self.heard[member][(kind, self.member_ids[member], self.pool[site].factory_id)] += 1

    def play(self, member: int, site: int, link: bool) -> None:
        client, factory_id = self.clients[member], self.pool[site].factory_id
        if link and (member, site) not in self.linked:
            request = client.link_factory(factory_id)
            self._tell_the_asker("LinkRequested", member, site)
            accepted = self.pool[site].cast.factory.accept_link_request(request["request_id"])
            self._tell_the_asker("LinkRequestAccepted", member, site)
            self.since[(member, site)] = moment(accepted["since"])
            self.linked.add((member, site))
            self.ever.add((member, site))
            self._announce("FactoryLinked", member, site)
        elif not link and (member, site) in self.linked:
            client.unlink_factory(factory_id)
            self.linked.discard((member, site))
            self._announce("FactoryUnlinked", member, site)
        elif not link:
            # Unlinking what is not linked: refused alike for a site never linked and one unlinked before.
            assert _status(lambda: client.unlink_factory(factory_id)) in (404, 409)

    def sentinel_sees_everywhere(self, sentinel: int, site: int) -> None:
        """Every service, and notifier's fan-out, has handled the sentinel's latest link to the site."""
        client, pool_site = self.clients[sentinel], self.pool[site]
        client.factory(pool_site.factory_id)
        assert client.audits_of_factory(pool_site.factory_id)
        assert client.caps_of_factory(pool_site.factory_id)
        client.call("GET", f"/evidence/files/{pool_site.evidence_ids[0]}")
        assert any(entry["event_type"] == "FactoryLinked" and entry["factory_id"] == pool_site.factory_id
                   and moment(entry["payload"]["linked_at"]) == self.since[(sentinel, site)]
                   for entry in client.inbox(limit=500)), "notifier has not handled the link yet"

    def sentinel_gone_everywhere(self, sentinel: int) -> None:
        """Every service has handled the sentinel's unlinks (before it links again)."""
        client = self.clients[sentinel]
        for pool_site in self.pool:
            assert _status(lambda f=pool_site.factory_id: client.factory(f)) == 404
            assert _status(lambda f=pool_site.factory_id: client.audits_of_factory(f)) == 404
            assert _status(lambda f=pool_site.factory_id: client.caps_of_factory(f)) == 404
            assert _status(lambda e=pool_site.evidence_ids[0]: client.call("GET", f"/evidence/files/{e}")) == 404
        assert client.inbox() == []

    def settle(self, sentinel: int) -> None:
        """The sentinel links every site last; once it sees them everywhere, every earlier change arrived."""
        for site in range(len(self.pool)):
            self.play(sentinel, site, True)
        for site in range(len(self.pool)):
            eventually(lambda s=site: self.sentinel_sees_everywhere(sentinel, s), timeout=60.0, interval=0.25)


def perform_activity(pool: list[PoolSite], activity: dict[int, Activity]) -> dict[int, set[tuple[str, str]]]:
    """The factories act; returns the events each site's activity must produce, by (type, marker)."""
    produced: dict[int, set[tuple[str, str]]] = {}
    for s, act in activity.items():
        site, events = pool[s], set()
        if act.profile is not None:
            processes = [{"name": "cutting", "kind": "internal"}] + [
                {"name": f"process {sub}", "kind": "external", "subcontractor_id": pool[sub].factory_id}
                for sub in act.profile
            ]
            submitted = site.cast.factory.submit_profile(site.factory_id, {"workforce": WORKFORCE,
                                                                          "processes": processes})
            site.profile_versions += 1
            assert submitted["profile_version"] == site.profile_versions
            site.subcontractors = sorted(act.profile)
            events.add(("FactoryProfileSubmitted", str(site.profile_versions)))
        if act.evidence:
            stored = site.cast.factory.upload_evidence(site.cap_id, site.item_id, "policy.pdf", SAMPLE_PDF,
                                                       "application/pdf")
            site.evidence_ids.append(stored["evidence_id"])
            events |= {("EvidenceStored", stored["evidence_id"]), ("CapItemEvidenceSubmitted", stored["evidence_id"])}
        produced[s] = events
    return produced


def marker(envelope: dict) -> str:
    """What tells one activity event from another of its type."""
    payload = envelope["payload"]
    if envelope["type"] == "FactoryProfileSubmitted":
        return str(payload["profile_version"])
    return str(payload.get("evidence_id", ""))


def inbox_holds(client: PlatformClient, pool: list[PoolSite], expected: dict[int, set[tuple[str, str]]]) -> None:
    seen = {(entry["factory_id"], entry["event_type"], marker({"type": entry["event_type"],
                                                               "payload": entry["payload"]}))
            for entry in client.inbox(limit=500)}
    missing = {(pool[s].factory_id, kind, mark) for s, events in expected.items() for kind, mark in events} - seen
    assert not missing, f"not delivered yet: {missing}"


def read_feeds(bootstrap: str, member_ids: list[str]) -> dict[str, list[dict]]:
    """Every envelope on each member's feed topic so far, read up to the end offsets (no idle wait)."""

    async def read() -> dict[str, list[dict]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
        await consumer.start()
        try:
            existing = await consumer.topics()
            specs = {member_feed_topic(member_id): member_id for member_id in member_ids}
            wanted = {spec.name: member_id for spec, member_id in specs.items()}
            # A feed topic exists once its member first heard of something.
            partitions = [TopicPartition(spec.name, p) for spec in specs if spec.name in existing
                          for p in range(spec.partitions)]
            feeds: dict[str, list[dict]] = {member_id: [] for member_id in member_ids}
            if not partitions:
                return feeds
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            async def behind() -> bool:
                return any([await consumer.position(tp) < ends[tp] for tp in partitions])

            while await behind():
                batches = await consumer.getmany(timeout_ms=1000)
                for tp, records in batches.items():
                    feeds[wanted[tp.topic]].extend(json.loads(record.value) for record in records)
            return feeds
        finally:
            await consumer.stop()

    return asyncio.run(read())



def wait_until_handled(bootstrap: str, services: list[str], topic: TopicSpec, timeout: float = 60.0) -> None:
    """Wait until each service's consumer group has handled every record on ``topic`` now (each partition)."""
    partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]

    async def end_offsets() -> dict[TopicPartition, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
        await consumer.start()
        try:
            return await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()

    async def behind(targets: dict[TopicPartition, int]) -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            lagging = []
            for service in services:
                committed = await admin.list_consumer_group_offsets(service)
                if any(target and (tp not in committed or committed[tp].offset < target)
                       for tp, target in targets.items()):
                    lagging.append(service)
            return lagging
        finally:
            await admin.close()

    targets = asyncio.run(end_offsets())
    deadline = time.monotonic() + timeout
    while lagging := asyncio.run(behind(targets)):
        assert time.monotonic() < deadline, f"{lagging} did not handle {topic.name} within {timeout:.0f} s"
        time.sleep(0.25)
