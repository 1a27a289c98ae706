"""The operator's health page reads every service's Prometheus endpoint; a silent one is unreachable."""

from __future__ import annotations

import httpx

from portal.adapters.service_metrics import ServiceMetricsReader, parse_metrics
from portal.domain.service_health import LAG_ATTENTION, PlatformHealth, ServiceHealth

EXPOSITION = """\
# HELP http_requests_total HTTP requests answered
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/caps/{cap_id}",status="200"} 41.0
http_requests_total{method="POST",route="/caps",status="503"} 2.0
http_requests_total{method="POST",route="/caps",status="500"} 1.0
# HELP dead_letters_total Events parked on the dead-letter topic
# TYPE dead_letters_total counter
dead_letters_total{source_topic="ics.audit.v1"} 3.0
dead_letters_created{source_topic="ics.audit.v1"} 1.7e+09
# HELP kafka_consumer_lag Records not yet handled by this service's consumer group
# TYPE kafka_consumer_lag gauge
kafka_consumer_lag{topic="ics.access.v1"} 0.0
kafka_consumer_lag{topic="ics.audit.v1"} 12.0
# HELP outbox_backlog_documents Aggregate documents the outbox relay's last sweep could not publish
# TYPE outbox_backlog_documents gauge
outbox_backlog_documents{collection="caps"} 0.0
"""


def test_the_exposition_text_gives_dead_letters_lag_backlog_and_server_errors():
    health = parse_metrics("cap-service", EXPOSITION)

    assert health.dead_letters == {"ics.audit.v1": 3.0}
    assert health.consumer_lag == {"ics.access.v1": 0.0, "ics.audit.v1": 12.0}
    assert health.outbox_backlog == {"caps": 0.0}
    assert health.server_errors == 3.0
    assert health.state == "attention"  # a dead letter waits to be replayed


def test_a_service_with_no_dead_letter_and_a_small_lag_is_ok_and_a_large_lag_needs_attention():
    assert ServiceHealth("notifier", True, consumer_lag={"ics.cap.v1": LAG_ATTENTION - 1}).state == "ok"
    assert ServiceHealth("notifier", True, consumer_lag={"ics.cap.v1": LAG_ATTENTION}).state == "attention"
    assert ServiceHealth("notifier", True, outbox_backlog={"caps": 1}).state == "attention"
    assert ServiceHealth.unreachable("notifier").state == "unreachable"


async def test_every_endpoint_is_read_and_one_that_fails_or_does_not_answer_is_unreachable():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cap":
            return httpx.Response(200, text=EXPOSITION)
        if request.url.host == "broken":
            return httpx.Response(500, text="oops")
        raise httpx.ConnectTimeout("no answer", request=request)

    endpoints = {"cap-service": "http://cap/metrics", "notifier": "http://broken/metrics",
                 "evidence-store": "http://silent/metrics"}
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        platform = await ServiceMetricsReader(endpoints, http).read()

    assert [s.service for s in platform.services] == ["cap-service", "evidence-store", "notifier"]
    assert platform.unreachable == ["evidence-store", "notifier"]
    assert platform.attention == ["cap-service"]
    assert platform.lag_topics == ["ics.access.v1", "ics.audit.v1"]
    assert platform.dead_letter_topics == ["ics.audit.v1"]
    assert platform.outbox_backlogs == []  # caps: 0 documents waiting


def test_only_outboxes_with_documents_waiting_are_listed():
    platform = PlatformHealth(services=[
        ServiceHealth("cap-service", True, outbox_backlog={"caps": 4, "items": 0}),
        ServiceHealth("audit-service", True, outbox_backlog={"audits": 0}),
    ])

    assert platform.outbox_backlogs == [("cap-service", "caps", 4)]


async def test_a_body_that_is_not_an_exposition_text_makes_the_service_unreachable_not_the_page_fail():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>a login page</html>\n")

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        platform = await ServiceMetricsReader({"access-control": "http://access/metrics"}, http).read()

    assert platform == PlatformHealth(services=[ServiceHealth.unreachable("access-control")])
