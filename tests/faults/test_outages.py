"""The broker restarts and the database goes away under load: requests answer 503, nothing is lost."""

import os
import threading
import time

import pytest

from shared_audits_client.story import Cast
from tests.faults.helpers import (
    CapLoad,
    DecisionRun,
    caught_up,
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

# 100 decisions per run by default; FAULT_OUTAGE_CAPS=6 gives 300 (docs/proof.md: what bounds the size).
AUDITS, FINDINGS = int(os.environ.get("FAULT_OUTAGE_CAPS", "2")), 50

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def _items_with_status(stack: Stack, load: CapLoad, status: str) -> int:
    # Every item of the load's CAPs, straight from cap-service's database: read once at the end, never polled.
    caps = database(stack, "cap-service").caps.find({"factory_id": load.factory_id}, {"items": 1})
    return sum(item["status"] == status for cap in caps for item in cap["items"])


def _ready_to_decide(stack: Stack, cast: Cast) -> CapLoad:
    load = open_caps(stack, cast, AUDITS, FINDINGS, via_events=True)
    publish(stack.kafka_bootstrap, evidence_stored_events(load))
    wait_until(caught_up(stack, "cap-service", "ics.evidence.v1"), 120, what="evidence on every item")
    assert _items_with_status(stack, load, "evidence_submitted") == load.item_count
    return load


def _when_a_third_is_decided(run: DecisionRun, load: CapLoad) -> None:
    wait_until(lambda: run.accepted >= load.item_count // 3, 120, interval=0.05, what="a third of the decisions")


def _assert_nothing_lost(stack: Stack, cast: Cast, load: CapLoad) -> None:
    member_b = cast.organisations["member_b"].organisation_id
    for cap_id in load.caps:
        cap = cast.member_b.cap(cap_id)
        assert cap["progress"] == {"items_closed": FINDINGS, "items_total": FINDINGS}
        assert [len(item["decisions"]) for item in cap["items"]] == [1] * FINDINGS
    inbox = database(stack, "notifier").inbox
    query = {"member_id": member_b, "factory_id": load.factory_id, "event_type": "CapItemAccepted"}
    notified = caught_up(stack, "notifier", "ics.cap.v1")
    # The inbox is counted only once notifier has consumed what is in the topic.
    wait_until(lambda: notified() and inbox.count_documents(query) == load.item_count, 180, interval=2,
               what="every acceptance in B's inbox")
    feed = read_topic(stack.kafka_bootstrap, f"ics.feed.{member_b}.v1",
                      lambda e: e["type"] == "CapItemAccepted" and e["payload"]["factory_id"] == load.factory_id)
    assert {e["payload"]["item_id"] for e in feed} == {item_id for _, item_id in load.items()}


@pytest.mark.timeout(300)
def test_kafka_restart_mid_run_loses_no_event(stack: Stack, cast: Cast) -> None:
    # Given items waiting for a decision (100 by default)
    load = _ready_to_decide(stack, cast)

    # When member A decides them all and the broker restarts a third of the way in
    def restart_broker() -> None:
        _when_a_third_is_decided(run, load)
        began = time.monotonic()
        stack_command("restart", "kafka", timeout=180)
        print(f"kafka restarted after {run.accepted} decisions in {time.monotonic() - began:.1f}s", flush=True)

    run = DecisionRun()
    restart = threading.Thread(target=restart_broker)
    restart.start()
    decide_all(cast.member_a, load, workers=4, run=run)
    restart.join()

    # Then every decision was taken (they need only the database) and every event reached B
    assert run.accepted == load.item_count, run.statuses
    _assert_nothing_lost(stack, cast, load)


@pytest.mark.timeout(300)
def test_database_stopped_under_load_answers_503_then_recovers(stack: Stack, cast: Cast) -> None:
    load = _ready_to_decide(stack, cast)

    # When member A decides them all and the database stops a third of the way in until requests see 503
    def database_outage() -> None:
        _when_a_third_is_decided(run, load)
        stack_command("stop", "secantusdb")
        try:
            wait_until(lambda: run.statuses.get(503, 0) >= 4, 30, interval=0.1, what="requests to see 503")
        finally:
            stack_command("start", "secantusdb")

    run = DecisionRun()
    outage = threading.Thread(target=database_outage)
    outage.start()
    decide_all(cast.member_a, load, workers=4, run=run)
    outage.join()

    # Then the outage answered 503, never 500, and after it every decision was taken exactly once
    assert run.statuses.get(503, 0) >= 4, run.statuses
    assert 500 not in run.statuses, run.statuses
    assert _items_with_status(stack, load, "accepted") == load.item_count
    _assert_nothing_lost(stack, cast, load)
