"""Prometheus metrics of one service process, served at ``/metrics``.

Each app gets its own registry (several apps may share a process in tests).
Request rate, errors and latency come from a middleware; dead letters are
counted where they are parked; consumer lag is sampled in the background (a
round trip to Kafka), and so is the outbox backlog, as the relay's last sweep
found it (no query of its own).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from shared_audits.lag import ConsumerLag
from shared_audits.scheduling import PeriodicJob

logger = logging.getLogger(__name__)

# Sampling consumer lag and the outbox this often is cheap and fresh enough for alerts.
SAMPLE_SECONDS = 15.0


class ServiceMetrics:
    """The metrics of one service, in a registry of its own."""

    def __init__(self, service_name: str) -> None:
        self.service_name = service_name
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "dead_letters_total", "Events parked on the dead-letter topic", ["source_topic"], registry=self.registry
        )
        self.consumer_lag = Gauge(
            "kafka_consumer_lag", "Records not yet handled by this service's consumer group", ["topic"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "outbox_backlog_documents", "Aggregate documents the outbox relay's last sweep could not publish", ["collection"],
            registry=self.registry,
        )

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def install(self, app: FastAPI) -> None:
        """Count and time every request by its route template, and serve ``/metrics``."""

        app.add_middleware(_MeasuredRequests, metrics=self)

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return self.render()


class _MeasuredRequests:
    """Counts and times requests as plain ASGI (Starlette's BaseHTTPMiddleware cost a tenth of a
    decision's CPU in cap-service's profile)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_noting_status)
        finally:
            # The template (/caps/{cap_id}), never the raw path: ids would explode the label space.
            template = getattr(scope.get("route"), "path", "unmatched")
            if template not in ("/metrics", "/healthz", "/readyz"):
                self._metrics.requests.labels(scope["method"], template, str(status)).inc()
                self._metrics.request_seconds.labels(scope["method"], template).observe(time.perf_counter() - started)


class MetricsSampler:
    """Refreshes the gauges that need a query: consumer lag and outbox backlog."""

    def __init__(
        self,
        metrics: ServiceMetrics,
        lag: ConsumerLag | None,
        outbox_backlog: Mapping[str, int],
        interval: float = SAMPLE_SECONDS,
    ) -> None:
        self._metrics = metrics
        self._lag = lag
        self._outbox_backlog = outbox_backlog  # the relay's, kept up to date by its sweeps
        self._job = PeriodicJob("metrics-sampler", interval, self._sample_quietly)

    async def sample_once(self) -> None:
        for collection, unpublished in list(self._outbox_backlog.items()):
            self._metrics.outbox_backlog.labels(collection).set(unpublished)
        if self._lag is not None:
            for topic, lag in (await self._lag.by_topic()).items():
                self._metrics.consumer_lag.labels(topic).set(lag)

    async def _sample_quietly(self) -> None:
        try:
            await self.sample_once()
        except Exception:  # noqa: BLE001 - a metric gap is not worth an error log; said at debug level
            logger.debug("metrics sampling failed", exc_info=True)

    async def start(self) -> None:
        await self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
