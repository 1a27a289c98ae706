"""The audit cycle of audit-service against the real stack: alerts, confidentiality, risk, bad input."""

from __future__ import annotations

import asyncio
import copy
import json
import random

import pytest
from aiokafka import AIOKafkaConsumer
from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.story import (
    STORY_WORKFORCE,
    Cast,
    ReportRefused,
    factory_prepares_for_audit,
    link_with_consent,
    report_rated_b,
    semi_announced_window,
    submit_when_ready,
)

from tests.integration.stack import Stack

LOCKED_EXIT = {
    "chapter": "S9",
    "severity": "critical",
    "question_id": "S9.01",
    "description": "The emergency exit next to sewing line 4 was chained shut during the shift.",
    "observation": "Chain and padlock on the push bar at 10:40; the key was with the floor manager.",
    "recommended_action": "Remove the chain at once; check every exit at each shift start and log it.",
}


def accepted_audit(cast: Cast, member: PlatformClient, factory_id: str, factory_account: PlatformClient) -> dict:
    """Link, the factory gets ready (profile, Code of Conduct), the member mandates, the auditor accepts."""
    link_with_consent(member, factory_account, factory_id)
    factory_prepares_for_audit(cast.operator, factory_account, factory_id, STORY_WORKFORCE)
    auditor_id = cast.organisations["auditor"].organisation_id
    audit = eventually(lambda: member.mandate_audit(factory_id, auditor_id, **semi_announced_window()))
    return cast.auditor.answer_mandate(audit["audit_id"], "accept")


def b_report(cast: Cast) -> dict:
    return report_rated_b(cast.auditor.questionnaire(), cast.auditor.sample_size(STORY_WORKFORCE))


async def _first_audit_event(bootstrap: str, event_type: str, audit_id: str, timeout: float = 30) -> dict | None:
    consumer = AIOKafkaConsumer("ics.audit.v1", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=None)
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        envelope = json.loads(record.value)
                        if envelope["type"] == event_type and envelope["payload"]["audit_id"] == audit_id:
                            return envelope
    except TimeoutError:
        return None
    finally:
        await consumer.stop()


def test_a_critical_finding_raises_the_alert_at_once(stack: Stack, cast: Cast) -> None:
    audit = accepted_audit(cast, cast.member_a, cast.factory_id, cast.factory)
    report = b_report(cast)
    for answer in report["answers"]:
        if answer["question_id"] == "S9.01":
            answer["value"] = "no"
    report["findings"].append(LOCKED_EXIT)

    published = eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], report))["report"]
    # The percentage alone would give "B"; the alert caps the letter at "E".
    assert published["compliance_percentage"] > 71 and published["letter"] == "E"
    assert published["detail"]["has_alert"] is True

    alert = asyncio.run(_first_audit_event(stack.kafka_bootstrap, "CriticalFindingRaised", audit["audit_id"]))
    assert alert is not None, "CriticalFindingRaised never reached ics.audit.v1"
    assert alert["key"] == cast.factory_id
    assert alert["payload"]["zero_tolerance_topic"] == "imminent_danger"
    assert alert["payload"]["question_id"] == "S9.01" and alert["payload"]["chapter"] == "S9"


def test_the_factory_reads_the_chapter_summary_never_the_full_report(stack: Stack, cast: Cast) -> None:
    audit = accepted_audit(cast, cast.member_a, cast.factory_id, cast.factory)
    eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], b_report(cast)))

    seen_by_factory = cast.factory.audit(audit["audit_id"])
    summary = seen_by_factory["report"]
    assert summary["letter"] == "B" and 71 <= summary["compliance_percentage"] <= 85
    assert [c["chapter"] for c in summary["chapter_scores"]] == [f"S{n}" for n in range(1, 10)]
    assert summary["detail"] is None and summary["findings"] is None
    assert "answers" not in json.dumps(seen_by_factory) and "observation" not in json.dumps(seen_by_factory)
    assert [a["report"]["detail"] for a in cast.factory.audits_of_factory(cast.factory_id)] == [None]

    # Member B, linked but not the mandating member, reads the full report with the sample it was held to.
    link_with_consent(cast.member_b, cast.factory, cast.factory_id)
    detail = eventually(lambda: cast.member_b.audit(audit["audit_id"]))["report"]["detail"]
    assert detail["findings"][0]["observation"].startswith("Tags on 6 of 9")
    assert detail["required_sample"]["interviews"] == 13 and detail["flags"] == []


def test_bad_report_input_gets_a_422_with_every_problem_and_nothing_is_written(stack: Stack, cast: Cast) -> None:
    audit = accepted_audit(cast, cast.member_a, cast.factory_id, cast.factory)
    good = b_report(cast)

    bad = copy.deepcopy(good)
    bad["answers"] = [a for a in bad["answers"] if a["question_id"] != "S3.02"]  # a rated answer missing
    bad["answers"].append({"question_id": "S42.01", "value": "yes"})  # unknown question
    bad["answers"].append({"question_id": "E4.01", "value": "yes"})  # outside the social scope
    with pytest.raises(ReportRefused) as refused:
        eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], bad))
    problem = refused.value.error.problem
    assert refused.value.error.status == 422 and problem["title"] == "Invalid report"
    messages = " | ".join(entry["message"] for entry in problem["errors"])
    assert "S3.02 is not answered" in messages and "S42.01 is not in the questionnaire" in messages
    assert "E4.01 is outside" in messages

    wrong_value = copy.deepcopy(good)
    wrong_value["answers"][1]["value"] = "maybe"
    with pytest.raises(ApiError) as refused:
        cast.auditor.submit_report(audit["audit_id"], wrong_value)
    assert refused.value.status == 422
    assert refused.value.problem["errors"][0]["field"] == "body.answers.1.value"

    assert cast.member_a.audit(audit["audit_id"])["report"] is None  # nothing half-written
    published = eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], good))
    assert published["report"]["letter"] == "B"


def _unused_country(cells: list[dict], taken: set[str]) -> str:
    used = {cell["country"] for cell in cells} | taken
    # Small real countries (the registry accepts ISO 3166 codes only) that other tests leave alone.
    candidates = ["AD", "LI", "MC", "SM", "VA", "NR", "TV", "PW", "KN", "LC", "VC", "GD", "DM", "AG",
                  "SC", "MV", "MT", "LU", "IS", "FO", "GL", "AW", "CW", "BM", "KY", "TC", "VG", "MS"]
    free = [code for code in candidates if code not in used]
    assert free, "no unused test country code left"
    return random.choice(free)


def test_risk_analysis_suppresses_cells_of_fewer_than_five_factories(stack: Stack, cast: Cast) -> None:
    before = cast.member_a.risk_by_country()["cells"]
    big = _unused_country(before, set())
    small = _unused_country(before, {big})
    sites = [(big, n) for n in range(5)] + [(small, 0)]
    report = b_report(cast)  # "no" answers in S7, S8 and S9; none in S1
    for country, n in sites:
        site = cast.operator.register_factory(f"Risk site {country}-{n}", country, city="Testville", confirm_new=True)
        account = eventually(lambda s=site: cast.operator.register_organisation(f"Risk site {country}-{n}", "factory",
                                                                                s["factory_id"]))
        factory = PlatformClient.login(cast.operator.gateway_url, account.client_id, account.client_secret)
        audit = accepted_audit(cast, cast.member_a, site["factory_id"], factory)
        factory.close()
        eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], report))

    def cells_ready() -> dict:
        risk = cast.member_b.risk_by_country()
        cells = {(c["country"], c["chapter"]): c for c in risk["cells"]}
        assert cells.get((big, "S9"), {}).get("factories") == 5, cells.get((big, "S9"))
        assert (small, "S9") in cells
        return cells

    cells = eventually(cells_ready, timeout=60)
    s9 = cells[(big, "S9")]
    assert s9["suppressed"] is False and s9["nonconforming_factories"] == 5 and s9["nonconformity_rate"] == 1.0
    assert cells[(big, "S1")]["nonconformity_rate"] == 0.0
    hidden = cells[(small, "S9")]
    assert hidden["suppressed"] is True
    assert hidden["factories"] is None and hidden["nonconformity_rate"] is None

    # Member A's own supply-chain view: its linked sites only, and it sees them anyway.
    own = {(c["country"], c["chapter"]): c for c in cast.member_a.risk_of_supply_chain()["cells"]}
    assert own[(small, "S9")]["factories"] == 1 and own[(small, "S9")]["suppressed"] is False
    assert {country for country, _ in own} == {big, small}
    # Member B has no linked site: its own view is empty, and factories may not read the analysis.
    assert cast.member_b.risk_of_supply_chain()["cells"] == []
    with pytest.raises(ApiError) as refused:
        cast.factory.risk_by_country()
    assert refused.value.status == 403
