"""The operator publishes rule sets as versions at run time, through the gateway: an audit is rated by the
bands in force when it was mandated, its CAP takes the deadlines in force then too, an inconsistent
version is refused with field errors, and only the operator publishes.

Every other test (and every engineer's) rates its audits and opens its CAPs with the versions in force,
so each test here publishes its change for as short a time as it can and, in a ``finally``, publishes a
newer version equal to the content it found: the rules in force are the same again afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from shared_audits_client import ApiError, eventually
from shared_audits_client.story import (
    STORY_WORKFORCE,
    Cast,
    assemble_cast,
    factory_prepares_for_audit,
    link_with_consent,
    report_rated_b,
    semi_announced_window,
    submit_when_ready,
)
from tests.integration.cap_flows import cap_of_audit, finding
from tests.integration.stack import Stack

# serial: publishes rule versions every audit mandated meanwhile is bound to (runs after the parallel part of make test).
pytestmark = [pytest.mark.integration, pytest.mark.serial]
RATING = "/audits/rules/rating/versions"
DEADLINES = "/caps/rules/deadlines/versions"


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[Cast]:
    """One site linked to member A and ready for audit."""
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         kafka_bootstrap=stack.kafka_bootstrap)
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    factory_prepares_for_audit(cast.operator, cast.factory, cast.factory_id, STORY_WORKFORCE)
    yield cast
    cast.close()


def in_force(cast: Cast, versions: str) -> dict:
    """The content of the version in force (the newest)."""
    newest = cast.operator.call("GET", versions)[0]
    assert newest["in_force"]
    return cast.operator.call("GET", f"{versions}/{newest['version']}")["content"]


def newer(version: str) -> str:
    """A version after ``version`` that a shipped file will not take ("2026.1" -> "2026.1.1" -> "2026.1.2")."""
    parts = version.split(".")
    return ".".join([*parts[:-1], str(int(parts[-1]) + 1)]) if len(parts) > 2 else f"{version}.1"


def restore(cast: Cast, versions: str, content: dict) -> None:
    """Publish ``content`` again as a newer version: what was in force before the test is in force again."""
    current = cast.operator.call("GET", versions)[0]["version"]
    cast.operator.call("POST", versions, json={**content, "version": newer(current)})


def mandate(cast: Cast) -> dict:
    auditor_id = cast.organisations["auditor"].organisation_id
    return eventually(lambda: cast.member_a.mandate_audit(cast.factory_id, auditor_id, **semi_announced_window()))


def report(cast: Cast, audit: dict) -> dict:
    """The auditor accepts and reports a "B" set of answers (about 81-84 %)."""
    cast.auditor.answer_mandate(audit["audit_id"], "accept")
    answers = report_rated_b(cast.auditor.questionnaire(), cast.auditor.sample_size(STORY_WORKFORCE))
    return eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], answers))["report"]


def test_an_audit_is_rated_by_the_bands_in_force_when_it_was_mandated(world: Cast) -> None:
    original = in_force(world, RATING)
    # The same bands but A from 75 %: a "B" report (81-84 %) becomes an "A".
    bands = [{**band, "min_percentage": 75} if band["letter"] == "A" else band for band in original["letter_bands"]]
    looser = {**original, "version": newer(original["version"]), "letter_bands": bands}
    before = mandate(world)
    try:
        world.operator.call("POST", RATING, json=looser)
        after = mandate(world)
        assert world.member_a.call("GET", "/audits/rules")["versions"]["rating"] == looser["version"]
    finally:
        restore(world, RATING, original)
    assert before["rule_versions"]["rating"] == original["version"]
    assert after["rule_versions"]["rating"] == looser["version"]

    rated_before, rated_after = report(world, before), report(world, after)
    assert (rated_before["letter"], rated_before["rule_set_version"]) == ("B", original["version"])
    assert (rated_after["letter"], rated_after["rule_set_version"]) == ("A", looser["version"])
    assert rated_before["compliance_percentage"] == rated_after["compliance_percentage"]


def test_an_inconsistent_version_is_refused_with_field_errors_and_only_the_operator_publishes(world: Cast) -> None:
    original = in_force(world, RATING)
    overlapping = [{**band, "min_percentage": 90} if band["letter"] == "B" else band
                   for band in original["letter_bands"]]  # B from 90 %, above A's threshold
    with pytest.raises(ApiError) as refused:
        world.operator.call("POST", RATING, json={**original, "version": newer(original["version"]),
                                                  "letter_bands": overlapping})
    assert refused.value.status == 422
    fields = {error["field"]: error["message"] for error in refused.value.problem["errors"]}
    b = next(index for index, band in enumerate(overlapping) if band["letter"] == "B")
    assert "overlaps A" in fields[f"body.letter_bands.{b}.min_percentage"]

    for member_call in (lambda: world.member_a.call("POST", RATING, json={**original, "version": "9999.1"}),
                        lambda: world.member_a.call("POST", DEADLINES, json={"version": "9999.1"})):
        with pytest.raises(ApiError) as forbidden:
            member_call()
        assert forbidden.value.status == 403
    assert in_force(world, RATING) == original  # nothing was published


def _report_with_a_major_finding(cast: Cast, audit: dict) -> dict:
    cast.auditor.answer_mandate(audit["audit_id"], "accept")
    answers = {**report_rated_b(cast.auditor.questionnaire(), cast.auditor.sample_size(STORY_WORKFORCE)),
               "findings": [finding("9 Health and safety", "major")]}
    return eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], answers))["report"]


def _major_deadlines(cap: dict, report: dict, days: int) -> tuple[set[str], set[str]]:
    published_on = date.fromisoformat(report["published_at"][:10])
    found = {item["deadline"] for item in cap["items"] if item["severity"] == "major"}
    return found, {(published_on + timedelta(days=days)).isoformat()}


def test_a_cap_takes_the_deadlines_in_force_when_its_audit_was_mandated(world: Cast) -> None:
    original = in_force(world, DEADLINES)
    shorter = {**original, "version": newer(original["version"]),
               "days_by_severity": {**original["days_by_severity"], "major": 45}}
    before = mandate(world)
    try:
        world.operator.call("POST", DEADLINES, json=shorter)
        after = mandate(world)
    finally:
        restore(world, DEADLINES, original)

    # Both reports arrive after the rules changed back: each CAP keeps the rules of its audit's mandate.
    reported_before, reported_after = (_report_with_a_major_finding(world, before),
                                       _report_with_a_major_finding(world, after))
    cap_before, cap_after = cap_of_audit(world, before["audit_id"]), cap_of_audit(world, after["audit_id"])
    assert cap_before["rule_set_version"] == original["version"]
    assert cap_after["rule_set_version"] == shorter["version"]
    found, expected = _major_deadlines(cap_before, reported_before, original["days_by_severity"]["major"])
    assert found == expected
    found, expected = _major_deadlines(cap_after, reported_after, 45)
    assert found == expected
