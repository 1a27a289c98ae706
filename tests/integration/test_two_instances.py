"""Two instances of cap-service and of notifier against one database and one consumer group.

The stack runs one instance of each service; this test starts a second cap-service and a
second notifier beside them (same database, same consumer group, the environment stack.py
gives its services) and waits until each group has handed partitions to both. The CAPs
belong to factories chosen so that both instances of each service own some of their
partitions: both cap-services take reports and evidence in, both notifiers fan out.

Members A and B then decide different items of the same CAPs at once, half of the requests
sent straight to the first cap-service and half to the second, and a few items are decided
by both members at the same moment. Afterwards every item holds exactly the decision that
was answered 200, cap-service's outbox is empty, each decision was published as one event
(the same event may be published twice: at least once), every CAP's record verifies as one
chain under a checkpoint signed while both instances tried to sign, and notifier told each linked member
once: the inbox holds each decision event once, the member's feed has each of them (feed
duplicates are allowed by at-least-once delivery and are reported).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import ModuleType

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.partitioner import murmur2

from shared_audits.contracts import topics
from shared_audits_cli.record_verification import verify_record
from shared_audits_client.api import PlatformClient, eventually
from shared_audits_client.story import Cast, link_on_behalf
from tests.faults.helpers import (
    CapLoad,
    cap_load_through_api,
    caught_up,
    database,
    evidence_stored_events,
    publish,
    published_report,
    report_findings,
    wait_until,
)
from tests.integration.stack import REPO, STACK_SCRIPT, STATE_DIR, Stack

# serial: a second cap-service and notifier join the consumer groups (runs after the parallel part of make test).
pytestmark = [pytest.mark.integration, pytest.mark.serial]

CAPS, ITEMS_PER_CAP = 20, 10
# Requests in flight at once; CAPs are taken four at a time, so about four decisions race on each CAP.
IN_FLIGHT, CAPS_AT_ONCE = 16, 4
# Items that members A and B decide at the same moment (one through each instance).
DECIDED_BY_BOTH = 6
# Factories registered at most while looking for partitions that both instances own.
MAX_FACTORIES = 12
INBOX_LIMIT = 500  # notifier's largest inbox page
DECISION_TYPES = ("CapItemAccepted", "CapItemRejected")
# Which topic's partitions show that an instance of a service takes the factories' events in.
WATCHED_TOPIC = {"cap-service": topics.EVIDENCE, "notifier": topics.CAP}
SECOND_INSTANCE_LOGS = STATE_DIR / "logs"  # beside the stack's own logs


# ---------------------------------------------------------------- the second instances


def _stack_runner() -> ModuleType:
    """deploy/local/stack.py as a module: the environment and ports it gives the services."""
    spec = importlib.util.spec_from_file_location("local_stack_runner", STACK_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Instance:
    name: str
    url: str
    process: subprocess.Popen | None = None  # None: the stack's own instance

    def alive(self) -> bool:
        return self.process is None or self.process.poll() is None


@contextmanager
def second_instance(runner: ModuleType, name: str) -> Iterator[Instance]:
    """Start another process of service ``name`` on a free port, as stack.py starts the first; stop it after."""
    module = next(module for service, module, _, _ in runner.service_table() if service == name)
    port = _free_port()
    python = REPO / ".venv" / "bin" / "python"
    argv = [str(python if python.exists() else sys.executable), "-m", "uvicorn", module,
            "--host", "127.0.0.1", "--port", str(port)]
    environment = {**os.environ, **runner.service_env(), "SERVICE_PORT": str(port)}
    log = SECOND_INSTANCE_LOGS / f"{name}-2.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(argv, cwd=REPO, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=output, stderr=subprocess.STDOUT)
    instance = Instance(name, f"http://127.0.0.1:{port}", process)
    try:
        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the second {name} exited with {process.returncode}; see {log}")
            try:
                return httpx.get(f"{instance.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 90, interval=0.3, what=f"the second {name} to be ready (log: {log})")
        yield instance
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---------------------------------------------------------------- consumer groups and partitions


async def _describe_group(bootstrap: str, group: str) -> tuple[str, dict[str, set[TopicPartition]]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    state, members = "", {}
    for response in responses:
        for described in response.to_object()["groups"]:
            state = described["state"]
            for member in described["members"]:
                raw = member["member_assignment"]
                assigned = ConsumerProtocolMemberAssignment.decode(raw).partitions() if raw else []
                members[member["member_id"]] = set(assigned)
    return state, members


def group_members(stack: Stack, group: str) -> tuple[str, dict[str, set[TopicPartition]]]:
    """The group's state and each member's assigned partitions."""
    return asyncio.run(_describe_group(stack.kafka_bootstrap, group))


@dataclass
class GroupSplit:
    """Which partitions of a group's watched topic the first and the second instance own."""

    group: str
    first: set[int]
    second: set[int]

    def owner(self, partition: int) -> str:
        return "first" if partition in self.first else "second" if partition in self.second else "nobody"


def wait_for_both_instances(stack: Stack, group: str, first_members: set[str]) -> GroupSplit:
    """Wait until the group is stable with new members (the second instance) owning partitions."""
    topic = WATCHED_TOPIC[group].name
    split: list[GroupSplit] = []

    def joined() -> bool:
        state, members = group_members(stack, group)
        owned = {member: {tp.partition for tp in assigned if tp.topic == topic} for member, assigned in members.items()}
        first = set().union(*(p for m, p in owned.items() if m in first_members))
        second = set().union(*(p for m, p in owned.items() if m not in first_members))
        split[:] = [GroupSplit(group, first, second)]
        return state == "Stable" and bool(first) and bool(second)

    wait_until(joined, 90, interval=0.5, what=f"both instances of {group} to own partitions of {topic}")
    return split[0]


def partition_of(factory_id: str, partitions: int = topics.DOMAIN_PARTITIONS) -> int:
    """The partition Kafka's default partitioner gives events keyed by ``factory_id``."""
    return (murmur2(factory_id.encode()) & 0x7FFFFFFF) % partitions


def factories_for_both_instances(cast: Cast, splits: list[GroupSplit]) -> list[str]:
    """The cast's factory and more sites registered by the operator, until both instances of every
    service own the partition of at least one of them."""
    factories = [cast.factory_id]

    def covered() -> bool:
        return all({split.owner(partition_of(f)) for f in factories} >= {"first", "second"} for split in splits)

    while not covered():
        assert len(factories) < MAX_FACTORIES, (
            f"{len(factories)} sites all fall on partitions of one instance: "
            + ", ".join(f"{s.group} first {sorted(s.first)} second {sorted(s.second)}" for s in splits))
        site = cast.operator.register_factory(f"Two instances site {len(factories)} {time.time_ns()}", "BD",
                                              city="Gazipur", address=f"Plot {len(factories)}", confirm_new=True)
        factories.append(site["factory_id"])
    return factories


# ---------------------------------------------------------------- topics


def end_offsets(bootstrap: str, topic: topics.TopicSpec) -> dict[int, int]:
    async def ends() -> dict[int, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
        await consumer.start()
        try:
            found = await consumer.end_offsets([TopicPartition(topic.name, p) for p in range(topic.partitions)])
            return {tp.partition: offset for tp, offset in found.items()}
        finally:
            await consumer.stop()

    return asyncio.run(ends())


def read_until_end(bootstrap: str, topic: topics.TopicSpec, matches: Callable[[dict], bool],
                   start: dict[int, int] | None = None, timeout: float = 120) -> list[dict]:
    """Every envelope that ``matches`` on ``topic`` from ``start`` (default: the beginning) up to the
    end offsets as they are now; a bounded read, not one that waits for the topic to go idle."""

    async def read() -> list[dict]:
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                    max_partition_fetch_bytes=4 << 20)
        await consumer.start()
        found: list[dict] = []
        try:
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, (start or {}).get(tp.partition, 0))
            async with asyncio.timeout(timeout):
                while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                    for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                        for record in records:
                            if record.offset < ends[TopicPartition(record.topic, record.partition)]:
                                envelope = json.loads(record.value)
                                if matches(envelope):
                                    found.append(envelope)
        finally:
            await consumer.stop()
        return found

    return asyncio.run(read())


# ---------------------------------------------------------------- the decisions


@dataclass(frozen=True)
class Decision:
    cap_id: str
    item_id: str
    member: str  # "member_a" or "member_b"
    instance: int  # 0: the stack's cap-service, 1: the second one
    decision: str  # "accept" or "reject"


@dataclass
class Answer:
    decision: Decision
    status: int
    detail: str = ""


@dataclass
class Plan:
    """Single decisions (one per item) and pairs (two members deciding one item at once)."""

    single: list[Decision] = field(default_factory=list)
    pairs: list[tuple[Decision, Decision]] = field(default_factory=list)


def plan_decisions(loads: list[CapLoad]) -> Plan:
    """Every item decided once, by A or B, through either instance; a few items by both at once.

    Even CAPs accept every item (they close); odd CAPs reject every third item. The first
    item of ``DECIDED_BY_BOTH`` CAPs is decided by A (accept, first instance) and B (reject,
    second instance) at the same moment.
    """
    plan = Plan()
    caps = [(cap_id, items) for load in loads for cap_id, items in load.caps.items()]
    both = {cap_id for cap_id, _ in caps[:DECIDED_BY_BOTH]}
    for cap_index, (cap_id, items) in enumerate(caps):
        for k, item_id in enumerate(items):
            if cap_id in both and k == 0:
                plan.pairs.append((Decision(cap_id, item_id, "member_a", 0, "accept"),
                                   Decision(cap_id, item_id, "member_b", 1, "reject")))
                continue
            rejected = cap_index % 2 == 1 and k % 3 == 1
            plan.single.append(Decision(cap_id, item_id, "member_a" if (k // 2) % 2 == 0 else "member_b", k % 2,
                                        "reject" if rejected else "accept"))
    return plan


def racing_order(plan: Plan) -> list[Decision | tuple[Decision, Decision]]:
    """The requests, CAPs taken ``CAPS_AT_ONCE`` at a time with their items interleaved, so that
    the decisions in flight are on items of the same few CAPs."""
    by_cap: dict[str, list[Decision | tuple[Decision, Decision]]] = defaultdict(list)
    for pair in plan.pairs:
        by_cap[pair[0].cap_id].append(pair)
    for decision in plan.single:
        by_cap[decision.cap_id].append(decision)
    caps = list(by_cap)
    order: list[Decision | tuple[Decision, Decision]] = []
    for start in range(0, len(caps), CAPS_AT_ONCE):
        wave = [by_cap[cap_id] for cap_id in caps[start:start + CAPS_AT_ONCE]]
        for k in range(max(len(requests) for requests in wave)):
            order.extend(requests[k] for requests in wave if k < len(requests))
    return order


async def send_decisions(plan: Plan, instance_urls: list[str], tokens: dict[str, str]) -> list[Answer]:
    """Send the plan's requests, ``IN_FLIGHT`` at a time, straight to the two cap-service instances."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    answers: list[Answer] = []
    clients = [httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=IN_FLIGHT))
               for url in instance_urls]

    async def post(decision: Decision) -> None:
        comment = "verified" if decision.decision == "accept" else "the permit is out of date"
        try:
            response = await clients[decision.instance].post(
                f"/caps/caps/{decision.cap_id}/items/{decision.item_id}/decisions",
                json={"decision": decision.decision, "comment": comment},
                headers={"Authorization": tokens[decision.member]})
            detail = "" if response.status_code == 200 else response.text[:200]
            answers.append(Answer(decision, response.status_code, detail))
        except httpx.HTTPError as error:
            answers.append(Answer(decision, 0, repr(error)))

    async def send(request: Decision | tuple[Decision, Decision]) -> None:
        async with gate:
            if isinstance(request, tuple):
                await asyncio.gather(*(post(decision) for decision in request))
            else:
                await post(request)

    try:
        await asyncio.gather(*(send(request) for request in racing_order(plan)))
    finally:
        for client in clients:
            await client.aclose()
    return answers


# ---------------------------------------------------------------- what the decisions did

Winners = dict[tuple[str, str], Decision | None]  # item -> the decision answered 200 (None: none was)


def judge_answers(plan: Plan, answers: list[Answer]) -> tuple[Winners, list[str]]:
    """Each item's decision answered 200, and what went wrong: a decision on an item nobody else was
    deciding must be taken; of two at once on one item, exactly one (the other: 409)."""
    problems: list[str] = []
    status_of = {answer.decision: answer for answer in answers}
    winners: Winners = {}
    refused = [status_of[d] for d in plan.single if status_of[d].status != 200]
    for decision in plan.single:
        winners[(decision.cap_id, decision.item_id)] = decision if status_of[decision].status == 200 else None
    if refused:
        problems.append(f"{len(refused)} of {len(plan.single)} decisions on items nobody else was deciding were "
                        "not taken (the client was told; nothing lost):\n  "
                        + "\n  ".join(f"{a.decision} -> {a.status} {a.detail}" for a in refused[:10]))
    for pair in plan.pairs:
        taken = [d for d in pair if status_of[d].status == 200]
        statuses = sorted(status_of[d].status for d in pair)
        if statuses != [200, 409]:
            problems.append(f"both members deciding {pair[0].item_id} at once were answered {statuses}, "
                            f"not [200, 409]: {[status_of[d].detail for d in pair]}")
        winners[(pair[0].cap_id, pair[0].item_id)] = taken[0] if len(taken) == 1 else None
    return winners, problems


def _status_after(decision: Decision | None) -> str:
    if decision is None:
        return "evidence_submitted"  # refused: nothing applied
    return "accepted" if decision.decision == "accept" else "rejected"


def check_items(reader: PlatformClient, factories: list[str], winners: Winners,
                member_ids: dict[str, str]) -> tuple[set[str], list[str]]:
    """Read every CAP through the API: each item must hold exactly its winner's decision (none if
    refused), once; a CAP is closed when all its items are accepted. Returns the CAPs that must
    have closed, and the problems."""
    lost, twice, wrong, applied_refused = [], [], [], []
    closing, wrong_caps = set(), {}
    for factory_id in factories:
        for cap in reader.caps_of_factory(factory_id):
            expected = {item["item_id"]: _status_after(winners[(cap["cap_id"], item["item_id"])])
                        for item in cap["items"]}
            if all(status == "accepted" for status in expected.values()):
                closing.add(cap["cap_id"])
            if (cap["status"] == "closed") != (cap["cap_id"] in closing):
                wrong_caps[cap["cap_id"]] = cap["status"]
            for item in cap["items"]:
                key, decisions = (cap["cap_id"], item["item_id"]), item["decisions"]
                winner = winners[key]
                held = [(d["decision"], d["member_id"]) for d in decisions]
                if winner is None:
                    if decisions or item["status"] != "evidence_submitted":
                        applied_refused.append((key, item["status"], held))
                elif not decisions:
                    lost.append(key)
                elif len(decisions) > 1:
                    twice.append((key, held))
                elif (item["status"], held[0]) != (expected[item["item_id"]],
                                                   (winner.decision, member_ids[winner.member])):
                    wrong.append((key, item["status"], held[0], "expected", expected[item["item_id"]], winner.member))
    problems = [f"{len(found)} {what}: {found[:10]}" for found, what in (
        (lost, "decisions answered 200 but lost"), (twice, "items decided more than once"),
        (wrong, "items holding another decision than the one answered 200"),
        (applied_refused, "items changed by a decision that was refused"),
    ) if found]
    if wrong_caps:
        problems.append(f"CAPs whose status does not follow their items: {wrong_caps}")
    return closing, problems


async def _sign_on_both(instance_urls: list[str], token: str) -> list[int]:
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": token}) as http:
        answers = await asyncio.gather(*(http.post(f"{url}/caps/record-checkpoints") for url in instance_urls))
    return [answer.status_code for answer in answers]


def check_records(stack: Stack, cast: Cast, factories: list[str], instance_urls: list[str]) -> list[str]:
    """Both instances sign a checkpoint at the same moment (one of them wins the sequence number); then
    every CAP's record is one intact chain, wholly covered by the signed checkpoint."""
    token = "Bearer " + eventually(lambda: cast.operator.token(stack.operator_client_id, stack.operator_client_secret))
    statuses = asyncio.run(_sign_on_both(instance_urls, token))
    problems = [f"signing a checkpoint on both instances answered {statuses}"] if statuses != [200, 200] else []
    for factory_id in factories:
        for cap in cast.member_a.caps_of_factory(factory_id):
            result = verify_record(cast.member_a.call("GET", f"/caps/caps/{cap['cap_id']}/record"), strict=True)
            problems += [f"record of CAP {cap['cap_id']}: {p.kind} {p.message}" for p in result.problems]
    return problems


# ---------------------------------------------------------------- the test


@pytest.mark.timeout(900)
def test_two_instances_of_cap_service_and_notifier_apply_each_decision_once(stack: Stack, cast: Cast) -> None:
    runner = _stack_runner()
    first_url = {name: f"http://127.0.0.1:{port}" for name, _, port, _ in runner.service_table()}
    first_members = {group: set(group_members(stack, group)[1]) for group in WATCHED_TOPIC}
    assert all(first_members.values()), f"the stack's own instances are not in their groups: {first_members}"
    member_ids = {role: cast.organisations[role].organisation_id for role in ("member_a", "member_b")}
    members: dict[str, PlatformClient] = {"member_a": cast.member_a, "member_b": cast.member_b}

    with ExitStack() as running:
        cap_2 = running.enter_context(second_instance(runner, "cap-service"))
        notifier_2 = running.enter_context(second_instance(runner, "notifier"))

        # Given both instances of cap-service and of notifier in their consumer groups
        splits = [wait_for_both_instances(stack, group, first_members[group]) for group in WATCHED_TOPIC]
        # and factories whose events both instances of each service take in, members A and B linked to each
        factories = factories_for_both_instances(cast, splits)
        for factory_id in factories:
            for member in members.values():
                # The operator accepts for the sites that have no factory account in this world.
                link_on_behalf(member, cast.operator, factory_id, "test world: sites without a factory account")
        ownership = {split.group: {f: split.owner(partition_of(f)) for f in factories} for split in splits}
        print(f"\n{len(factories)} factories; partition owners: {ownership}", flush=True)

        # and CAPs of several items opened from published reports, evidence submitted for every item
        caps_of = {f: CAPS // len(factories) + (i < CAPS % len(factories)) for i, f in enumerate(factories)}
        findings = report_findings(ITEMS_PER_CAP)
        publish(stack.kafka_bootstrap, [published_report(f, findings) for f, n in caps_of.items() for _ in range(n)],
                "audit-service")
        wait_until(caught_up(stack, "cap-service", topics.AUDIT.name), 120, what=f"cap-service to open {CAPS} CAPs")
        loads = [cap_load_through_api(cast.member_a, f, n) for f, n in caps_of.items()]
        for load in loads:
            eventually(lambda load=load: cast.member_b.caps_of_factory(load.factory_id), timeout=60)
        publish(stack.kafka_bootstrap, [event for load in loads for event in evidence_stored_events(load)],
                "evidence-store")
        wait_until(caught_up(stack, "cap-service", topics.EVIDENCE.name), 120, what="cap-service to take evidence in")
        waiting = Counter(item["status"] for f in factories for cap in cast.member_a.caps_of_factory(f)
                          for item in cap["items"])
        assert waiting == {"evidence_submitted": CAPS * ITEMS_PER_CAP}, f"items before the decisions: {waiting}"
        wait_until(caught_up(stack, "notifier", topics.ACCESS.name), 120, what="notifier to take the links in")
        cap_topic_start = end_offsets(stack.kafka_bootstrap, topics.CAP)

        # When A and B decide different items of the same CAPs at once, through both instances,
        # and both decide a few items at the same moment
        plan = plan_decisions(loads)
        # Fresh tokens (the gateway limits logins per second: asked again until it lets them through).
        tokens = {role: "Bearer " + eventually(lambda role=role: cast.operator.token(
            cast.organisations[role].client_id, cast.organisations[role].client_secret)) for role in members}
        started = time.monotonic()
        answers = asyncio.run(send_decisions(plan, [first_url["cap-service"], cap_2.url], tokens))
        print(f"{len(answers)} decisions sent in {time.monotonic() - started:.1f} s: "
              f"{dict(Counter(a.status for a in answers))}", flush=True)

        # Then every decision on its own item was taken and of each pair exactly one, and every
        # item holds exactly the decision answered 200, once (read through the API)
        winners, problems = judge_answers(plan, answers)
        closing, found = check_items(cast.operator, factories, winners, member_ids)  # who decided: the operator sees
        problems += found
        # and every CAP's record verifies: one chain, each decision in it once, under a signed checkpoint
        problems += check_records(stack, cast, factories, [first_url["cap-service"], cap_2.url])

        # and cap-service's outbox is empty: every event left
        caps_collection = database(stack, "cap-service").caps
        pending = {"factory_id": {"$in": factories}, "outbox.0": {"$exists": True}}
        wait_until(lambda: caps_collection.count_documents(pending) == 0, 60,
                   what="cap-service's outbox to empty (CAPs still holding events)")

        # and each decision and each closing was published as one event (the same event may come twice)
        ours = set(factories)
        published = read_until_end(
            stack.kafka_bootstrap, topics.CAP,
            lambda e: e["payload"].get("factory_id") in ours and e["type"] in (*DECISION_TYPES, "CapClosed"),
            start=cap_topic_start)
        events_of: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for envelope in published:
            payload = envelope["payload"]
            key = (payload["cap_id"], payload["item_id"]) if envelope["type"] in DECISION_TYPES else (payload["cap_id"],)
            events_of[key].add(envelope["event_id"])
        republished = sum(Counter(e["event_id"] for e in published).values()) - len(
            {e["event_id"] for e in published})
        print(f"cap topic: {len(published)} decision and closing records, {republished} republished "
              "(same event id)", flush=True)
        decided = {key for key, winner in winners.items() if winner is not None}
        unpublished = [key for key in decided if not events_of.get(key)]
        unexpected = [key for key in events_of if len(key) == 2 and winners.get(key) is None]
        applied_twice = {key: ids for key, ids in events_of.items() if len(ids) > 1}
        if unpublished:
            problems.append(f"{len(unpublished)} decisions never published: {unpublished[:10]}")
        if unexpected:
            problems.append(f"{len(unexpected)} decision events for items refused or not decided: {unexpected[:10]}")
        if applied_twice:
            problems.append(f"{len(applied_twice)} decisions or closings published as several events (applied "
                            f"twice): {list(applied_twice.items())[:10]}")
        closed_events = {key[0] for key in events_of if len(key) == 1}
        if closed_events != closing:
            problems.append(f"CapClosed published wrongly for {sorted(closed_events ^ closing)}")
        expected_events = {event_id for key in decided | {(cap_id,) for cap_id in closing}
                           for event_id in events_of.get(key, ())}
        assert len(expected_events) < INBOX_LIMIT, "the test outgrew one inbox page"

        # and notifier, both instances still in the group, told each linked member once
        wait_until(caught_up(stack, "notifier", topics.CAP.name), 120, what="notifier to fan out the decisions")
        for role, member in members.items():
            inbox = member.inbox(limit=INBOX_LIMIT)
            assert any(e["event_type"] == "CapItemEvidenceSubmitted" for e in inbox), \
                f"{role}'s inbox page does not reach back to before the decisions"
            told = Counter(e["event_id"] for e in inbox if e["event_id"] in expected_events)
            missing = expected_events - set(told)
            repeated = {event_id: n for event_id, n in told.items() if n > 1}
            if missing:
                problems.append(f"{len(missing)} decision or closing events missing from {role}'s inbox")
            if repeated:
                problems.append(f"{len(repeated)} events more than once in {role}'s inbox: {repeated}")

            feed = read_until_end(stack.kafka_bootstrap, topics.member_feed_topic(member_ids[role]),
                                  lambda e: e["event_id"] in expected_events)
            on_feed = Counter(e["event_id"] for e in feed)
            not_on_feed = expected_events - set(on_feed)
            if not_on_feed:
                problems.append(f"{len(not_on_feed)} decision or closing events missing from {role}'s feed")
            print(f"{role}: inbox {sum(told.values())} records of {len(expected_events)} events; feed "
                  f"{len(feed)} records, {sum(n - 1 for n in on_feed.values())} duplicates (allowed)", flush=True)

        for instance in (cap_2, notifier_2):
            if not instance.alive():
                problems.append(f"the second {instance.name} died during the test")
        for group in WATCHED_TOPIC:
            if not set(group_members(stack, group)[1]) - first_members[group]:
                problems.append(f"the second {group} left its group during the test")
        assert not problems, f"{len(problems)} problems with two instances:\n" + "\n".join(problems)
