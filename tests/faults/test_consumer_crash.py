"""kill -9 a consumer in the middle of thousands of events: every event is applied exactly once in effect."""

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from shared_audits_client.story import Cast
from tests.faults.helpers import (
    caught_up,
    consumed,
    database,
    decide_all,
    evidence_stored_events,
    open_caps,
    publish,
    read_topic,
    stack_command,
    wait_until,
)
from tests.integration.stack import Stack

# The run by default: 500 CAPs of 10 items, 5,000 evidence events, 5,000 decisions and their
# events (151 s on SecantusDB, 2 cores: it fits in `make test`). FAULT_CAPS and FAULT_ITEMS_PER_CAP shrink it.
AUDITS, FINDINGS = int(os.environ.get("FAULT_CAPS", "500")), int(os.environ.get("FAULT_ITEMS_PER_CAP", "10"))
ITEMS = AUDITS * FINDINGS
# Each phase (evidence, decisions, notifier's fan-out) is bounded; the bound grows with the run
# (FAULT_PHASE_SECONDS sets it for a slow machine).
PHASE_SECONDS = int(os.environ.get("FAULT_PHASE_SECONDS", 120 + ITEMS // 20))

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def _kill_when(progress: Callable[[], int], target: int, service: str, timeout: float = PHASE_SECONDS) -> threading.Thread:
    """In the background: once ``progress()`` reaches ``target``, kill -9 ``service`` and start it again."""

    def crash_and_restart() -> None:
        wait_until(lambda: progress() >= target, timeout, interval=0.2, what=f"{service} to reach {target}")
        stack_command("kill", service)
        print(f"killed -9 {service} after {target} records", flush=True)
        stack_command("start", service)

    thread = threading.Thread(target=crash_and_restart, name=f"crash-{service}", daemon=True)
    thread.start()
    return thread


def _phase(started: float, what: str) -> None:
    print(f"[{time.monotonic() - started:6.1f}s] {what}", flush=True)


@pytest.mark.timeout(4 * PHASE_SECONDS)
def test_consumers_killed_mid_run_apply_every_event_exactly_once(stack: Stack, cast: Cast) -> None:
    rng = random.Random()
    member_b = cast.organisations["member_b"].organisation_id
    caps_db, notifier_db = database(stack, "cap-service"), database(stack, "notifier")
    started = time.monotonic()

    # Given thousands of open CAP items of one factory
    load = open_caps(stack, cast, AUDITS, FINDINGS, timeout=PHASE_SECONDS, via_events=True)
    assert load.item_count == ITEMS
    _phase(started, f"{AUDITS} CAPs open")

    # When evidence arrives for every item and cap-service is killed -9 somewhere in that stream
    events = evidence_stored_events(load)
    start, _ = consumed(stack.kafka_bootstrap, "cap-service", "ics.evidence.v1")
    crash = _kill_when(lambda: consumed(stack.kafka_bootstrap, "cap-service", "ics.evidence.v1")[0] - start,
                       rng.randint(ITEMS // 5, ITEMS * 4 // 5), "cap-service")
    publish(stack.kafka_bootstrap, events)
    crash.join(timeout=PHASE_SECONDS + 30)
    wait_until(caught_up(stack, "cap-service", "ics.evidence.v1"), PHASE_SECONDS, what="cap-service to consume all evidence")
    _phase(started, f"cap-service consumed {ITEMS} evidence events")

    # Then every item holds exactly the one evidence sent for it
    sent = {(event.cap_id, event.item_id): [event.evidence_id] for event in events}
    held = {
        (cap["_id"], item["item_id"]): item["evidence_ids"]
        for cap in caps_db.caps.find({"factory_id": load.factory_id}, {"items.item_id": 1, "items.evidence_ids": 1})
        for item in cap["items"]
    }
    assert held == sent

    # When member A accepts every item while notifier is killed -9 somewhere in its fan-out
    start, _ = consumed(stack.kafka_bootstrap, "notifier", "ics.cap.v1")
    crash = _kill_when(lambda: consumed(stack.kafka_bootstrap, "notifier", "ics.cap.v1")[0] - start,
                       rng.randint(ITEMS // 5, ITEMS * 4 // 5), "notifier")
    run = decide_all(cast.member_a, load)
    _phase(started, f"{run.accepted} decisions taken in {run.seconds:.0f}s: {run.statuses}")
    crash.join(timeout=PHASE_SECONDS + 30)
    assert run.accepted == ITEMS, run.statuses

    # Then every CAP is closed with exact progress and no item was decided twice
    for cap_id in load.caps:
        cap = cast.member_b.cap(cap_id)
        assert cap["status"] == "closed"
        assert cap["progress"] == {"items_closed": FINDINGS, "items_total": FINDINGS}
        assert [len(item["decisions"]) for item in cap["items"]] == [1] * FINDINGS

    # And member B's inbox holds every event once, and nothing is missing
    cap_events = ["CapOpened", "CapItemEvidenceSubmitted", "CapItemAccepted", "CapClosed"]
    query = {"member_id": member_b, "factory_id": load.factory_id, "event_type": {"$in": cap_events}}
    expected = {"CapOpened": AUDITS, "CapItemEvidenceSubmitted": ITEMS, "CapItemAccepted": ITEMS, "CapClosed": AUDITS}
    kinds: Counter = Counter()

    def inbox_complete() -> bool:
        # The inbox is read once notifier has consumed what is in the topic.
        if not caught_up(stack, "notifier", "ics.cap.v1")():
            return False
        kinds.clear()
        kinds.update(entry["event_type"] for entry in notifier_db.inbox.find(query, {"event_type": 1}))
        return kinds == expected

    wait_until(inbox_complete, PHASE_SECONDS, interval=2, what=f"notifier to fan every CAP event out: {kinds}")
    _phase(started, "notifier consumed every CAP event")
    assert kinds == expected

    # And B's feed carries one acceptance event per item (a crash may repeat an event id, never add one)
    feed = read_topic(stack.kafka_bootstrap, f"ics.feed.{member_b}.v1",
                      lambda e: e["type"] == "CapItemAccepted" and e["payload"]["factory_id"] == load.factory_id)
    event_ids_per_item = Counter(item_id for item_id, _ in {(e["payload"]["item_id"], e["event_id"]) for e in feed})
    assert len(event_ids_per_item) == ITEMS
    assert set(event_ids_per_item.values()) == {1}
    _phase(started, "checked")

    # The run leaves the stack as it found it: every service has handled what it raised, so the
    # tests that follow do not wait behind 11,000 CAP events.
    for group in ("evidence-store", "notifier"):
        wait_until(caught_up(stack, group, "ics.cap.v1"), PHASE_SECONDS, interval=1, what=f"{group} to catch up")
    _phase(started, "the stack is quiet")
