"""The walking skeleton end to end, through the gateway, real Kafka, the MongoDB-protocol server and the S3 server."""

import hashlib
import secrets
import urllib.request

import pytest

from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.feed import wait_for_feed_record
from shared_audits_client.story import SAMPLE_PDF, Cast, walk_skeleton
from tests.integration.stack import Stack


def test_member_b_sees_progress_validated_by_member_a(stack: Stack, cast: Cast) -> None:
    trace_id = secrets.token_hex(16)
    run = walk_skeleton(cast, traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-01")

    # The report was rated by the platform from the percentage and the rating rules the audit was mandated under.
    assert run.audit["status"] == "mandated"
    report = eventually(lambda: cast.member_b.audit(run.audit["audit_id"]))["report"]
    assert report["letter"] == "B" and report["rule_set_version"] == run.audit["rule_versions"]["rating"]

    # The CAP was opened from the report's one non-conformity.
    assert run.cap["audit_id"] == run.audit["audit_id"]
    assert len(run.cap["items"]) == 1 and run.cap["progress"] == {"items_closed": 0, "items_total": 1}

    # The evidence reached the S3 server intact: its SHA-256 was recorded and verified.
    assert run.evidence["sha256"] == run.evidence_sha256
    assert run.evidence["content_type"] == "application/pdf"
    download = cast.member_b.evidence_download(run.evidence["evidence_id"])
    with urllib.request.urlopen(download["url"], timeout=10) as response:  # noqa: S310 - loopback URL
        assert hashlib.sha256(response.read()).hexdigest() == run.evidence_sha256

    # Member B sees what member A validated: the accepted item and the new progress, by "a linked member".
    item = run.cap_seen_by_b["items"][0]
    assert item["status"] == "accepted"
    assert item["decisions"][0]["member_id"] == "linked-member"
    assert item["evidence_ids"] == [run.evidence["evidence_id"]]
    assert run.cap_seen_by_b["progress"] == {"items_closed": 1, "items_total": 1}
    assert run.cap_seen_by_b["status"] == "closed"

    # ... and receives the event on its own member feed.
    member_b_id = cast.organisations["member_b"].organisation_id
    record = wait_for_feed_record(
        stack.kafka_bootstrap,
        member_b_id,
        lambda envelope: envelope["type"] == "CapItemAccepted" and envelope["payload"]["item_id"] == run.item_id,
    )
    assert record is not None, "CapItemAccepted never reached member B's feed"
    assert record.envelope["payload"]["progress"] == {"items_closed": 1, "items_total": 1}
    assert record.envelope["key"] == cast.factory_id
    # One trace: the caller's HTTP request, cap-service, its outbox, Kafka, notifier, the feed.
    assert record.headers["traceparent"].split("-")[1] == trace_id

    # notifier writes the inbox entry just after the feed record: wait for it rather than race it.
    def inbox_has_the_story() -> None:
        inbox_types = {entry["event_type"] for entry in cast.member_b.inbox()}
        assert {"FactoryLinked", "AuditReportPublished", "CapOpened", "CapItemAccepted"} <= inbox_types

    eventually(inbox_has_the_story)


def test_a_member_not_linked_sees_nothing_of_the_factory(stack: Stack, cast: Cast) -> None:
    run = walk_skeleton(cast)
    outsider_org = cast.operator.register_organisation("Brand C (not linked)", "member")
    outsider = PlatformClient.login(stack.gateway_url, outsider_org.client_id, outsider_org.client_secret)
    try:
        for read in (
            lambda: outsider.factory(cast.factory_id),
            lambda: outsider.audit(run.audit["audit_id"]),
            lambda: outsider.cap(run.cap["cap_id"]),
            lambda: outsider.caps_of_factory(cast.factory_id),
            lambda: outsider.evidence_download(run.evidence["evidence_id"]),
        ):
            with pytest.raises(ApiError) as refused:
                read()
            assert refused.value.status == 404
        with pytest.raises(ApiError) as refused:
            outsider.decide(run.cap["cap_id"], run.item_id, "accept")
        assert refused.value.status == 404
        assert outsider.factories() == []
        assert outsider.inbox() == []
    finally:
        outsider.close()


def test_the_factory_sees_its_rating_summary_but_not_the_findings(stack: Stack, cast: Cast) -> None:
    run = walk_skeleton(cast)
    seen_by_factory = cast.factory.audit(run.audit["audit_id"])
    assert seen_by_factory["report"]["letter"] == "B"
    assert seen_by_factory["report"]["findings"] is None
    seen_by_member = cast.member_a.audit(run.audit["audit_id"])
    assert len(seen_by_member["report"]["findings"]) == 1


def test_uploads_are_checked_by_content_and_bad_input_gets_a_problem_body(stack: Stack, cast: Cast) -> None:
    run = walk_skeleton(cast)
    executable = b"MZ\x90\x00" + b"\x00" * 200
    with pytest.raises(ApiError) as refused:
        cast.factory.upload_evidence(run.cap["cap_id"], run.item_id, "policy.pdf", executable, "application/pdf")
    assert refused.value.status == 422
    assert refused.value.problem["title"] == "Invalid request"

    with pytest.raises(ApiError) as refused:
        cast.member_a.mandate_audit(cast.factory_id, "not-an-audit-company", audit_type="sometimes")
    assert refused.value.status == 422
    assert refused.value.problem["errors"][0]["field"] == "body.audit_type"

    with pytest.raises(ApiError) as refused:
        cast.member_a.decide(run.cap["cap_id"], run.item_id, "accept")
    assert refused.value.status == 409  # already accepted: no decision is applied twice
    assert hashlib.sha256(SAMPLE_PDF).hexdigest() == run.evidence_sha256
