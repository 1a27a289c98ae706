"""kill -9 a consumer in the middle of thousands of events: every event is applied exactly once in effect."""

import random
import threading
from collections import Counter

import pytest

from shared_audits_client.story import Cast
from tests.faults.helpers import (
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

AUDITS, FINDINGS = 100, 50  # 5,000 CAP items, so 5,000 evidence events and 5,000 decisions
ITEMS = AUDITS * FINDINGS

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def _kill_when(count: callable, target: int, service: str, timeout: float = 240) -> threading.Thread:
    """In the background: once ``count()`` reaches ``target``, kill -9 ``service`` and start it again."""

    def crash_and_restart() -> None:
        wait_until(lambda: count() >= target, timeout, interval=0.1, what=f"{service} to reach {target}")
        stack_command("kill", service)
        stack_command("start", service)

    thread = threading.Thread(target=crash_and_restart, name=f"crash-{service}")
    thread.start()
    return thread


@pytest.mark.timeout(420)
def test_consumers_killed_mid_run_apply_every_event_exactly_once(stack: Stack, cast: Cast) -> None:
    rng = random.Random()
    member_b = cast.organisations["member_b"].organisation_id
    caps_db, notifier_db = database(stack, "cap-service"), database(stack, "notifier")

    # Given 5,000 open CAP items of one factory, opened through the public API
    load = open_caps(cast, AUDITS, FINDINGS)
    assert load.item_count == ITEMS

    # When evidence arrives for every item and cap-service is killed -9 somewhere in the stream
    def submitted() -> int:
        return sum(
            item["status"] == "evidence_submitted"
            for cap in caps_db.caps.find({"factory_id": load.factory_id}, {"items": 1})
            for item in cap["items"]
        )

    events = evidence_stored_events(load)
    crash = _kill_when(submitted, rng.randint(ITEMS // 5, ITEMS * 4 // 5), "cap-service")
    publish(stack.kafka_bootstrap, events)
    crash.join()
    wait_until(lambda: submitted() == ITEMS, 240, what="every item to have its evidence")

    # Then every item holds exactly the one evidence sent for it
    sent = {(event.cap_id, event.item_id): event.evidence_id for event in events}
    held = {
        (cap["_id"], item["item_id"]): item["evidence_ids"]
        for cap in caps_db.caps.find({"factory_id": load.factory_id})
        for item in cap["items"]
    }
    assert held == {key: [evidence_id] for key, evidence_id in sent.items()}

    # When member A accepts every item while notifier is killed -9 somewhere in the fan-out
    def accepted_in_b_inbox() -> int:
        return notifier_db.inbox.count_documents(
            {"member_id": member_b, "factory_id": load.factory_id, "event_type": "CapItemAccepted"}
        )

    crash = _kill_when(accepted_in_b_inbox, rng.randint(ITEMS // 5, ITEMS * 4 // 5), "notifier")
    run = decide_all(cast.member_a, load)
    crash.join()
    assert run.accepted == ITEMS, run.statuses

    # Then every CAP is closed with exact progress and no item was decided twice
    for cap_id in load.caps:
        cap = cast.member_b.cap(cap_id)
        assert cap["status"] == "closed"
        assert cap["progress"] == {"items_closed": FINDINGS, "items_total": FINDINGS}
        assert [len(item["decisions"]) for item in cap["items"]] == [1] * FINDINGS

    # And member B's inbox holds every acceptance once, and nothing is missing
    wait_until(lambda: accepted_in_b_inbox() == ITEMS, 240, what="B's inbox to hold every acceptance")
    for event_type, expected in (("CapOpened", AUDITS), ("CapItemEvidenceSubmitted", ITEMS), ("CapClosed", AUDITS)):
        query = {"member_id": member_b, "factory_id": load.factory_id, "event_type": event_type}
        assert notifier_db.inbox.count_documents(query) == expected, event_type

    # And B's feed carries one acceptance event per item (a crash may repeat an event id, never add one)
    feed = read_topic(stack.kafka_bootstrap, f"ics.feed.{member_b}.v1",
                      lambda e: e["type"] == "CapItemAccepted" and e["payload"]["factory_id"] == load.factory_id)
    event_ids_per_item = Counter()
    for item_id, event_id in {(e["payload"]["item_id"], e["event_id"]) for e in feed}:
        event_ids_per_item[item_id] += 1
    assert len(event_ids_per_item) == ITEMS
    assert set(event_ids_per_item.values()) == {1}
