"""Per-service metrics: requests by route template and status, latency, dead letters, outbox backlog."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared_audits.consumer import DeadLetters, DeliveredRecord
from shared_audits.http import install_problem_handlers
from shared_audits.errors import NotFoundError
from shared_audits.metrics import MetricsSampler, ServiceMetrics


def _app(metrics: ServiceMetrics) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    metrics.install(app)

    @app.get("/caps/caps/{cap_id}")
    async def cap(cap_id: str) -> dict:
        if cap_id == "hidden":
            raise NotFoundError("CAP hidden not found")
        return {"cap_id": cap_id}

    return app


def test_requests_are_counted_by_route_template_and_status_and_timed() -> None:
    metrics = ServiceMetrics("cap-service")
    with TestClient(_app(metrics)) as client:
        assert client.get("/caps/caps/c-1").status_code == 200
        assert client.get("/caps/caps/c-2").status_code == 200
        assert client.get("/caps/caps/hidden").status_code == 404
        exposed = client.get("/metrics").text

    assert 'http_requests_total{method="GET",route="/caps/caps/{cap_id}",status="200"} 2.0' in exposed
    assert 'http_requests_total{method="GET",route="/caps/caps/{cap_id}",status="404"} 1.0' in exposed
    assert 'http_request_duration_seconds_count{method="GET",route="/caps/caps/{cap_id}"} 3.0' in exposed
    assert "c-1" not in exposed  # ids never become labels
    assert 'route="/metrics"' not in exposed


class FakeBroker:
    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish(self, body: bytes, topic: str, **_: object) -> None:
        self.published.append(topic)


async def test_parked_events_are_counted_by_source_topic() -> None:
    metrics = ServiceMetrics("notifier")
    broker = FakeBroker()
    dead_letters = DeadLetters(broker, "notifier", metrics.dead_letters)  # type: ignore[arg-type]
    await dead_letters.park(b"not json", DeliveredRecord("ics.cap.v1", 0, 3, "f-1"), "invalid envelope")
    await dead_letters.park(b"not json", DeliveredRecord("ics.cap.v1", 1, 9, "f-2"), "invalid envelope")
    assert broker.published == ["ics.deadletter.notifier.v1"] * 2
    assert metrics.registry.get_sample_value("dead_letters_total", {"source_topic": "ics.cap.v1"}) == 2


async def test_the_sampler_reports_the_outbox_backlog_the_relay_found() -> None:
    metrics = ServiceMetrics("cap-service")
    backlog = {"caps": 4}
    sampler = MetricsSampler(metrics, None, backlog)
    await sampler.sample_once()
    assert metrics.registry.get_sample_value("outbox_backlog_documents", {"collection": "caps"}) == 4
    backlog["caps"] = 0  # the relay's next sweep published them
    await sampler.sample_once()
    assert metrics.registry.get_sample_value("outbox_backlog_documents", {"collection": "caps"}) == 0
