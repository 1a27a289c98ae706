"""Each service's Prometheus endpoint, read for the operator's health page.

All endpoints are fetched at once with a short timeout: a service that does not answer in time
(or answers an error) is reported as unreachable, never as a failed page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

from portal.domain.service_health import PlatformHealth, ServiceHealth

log = logging.getLogger(__name__)

# The health page should answer at once even when a service hangs.
DEFAULT_TIMEOUT_SECONDS = 2.0


def parse_metrics(service: str, text: str) -> ServiceHealth:
    """The numbers of shared_audits.metrics.ServiceMetrics in one exposition text."""
    dead_letters: dict[str, float] = {}
    lag: dict[str, float] = {}
    backlog: dict[str, float] = {}
    server_errors = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "dead_letters_total":
                topic = labels.get("source_topic", "")
                dead_letters[topic] = dead_letters.get(topic, 0.0) + sample.value
            elif sample.name == "kafka_consumer_lag":
                topic = labels.get("topic", "")
                lag[topic] = lag.get(topic, 0.0) + sample.value
            elif sample.name == "outbox_backlog_documents":
                collection = labels.get("collection", "")
                backlog[collection] = backlog.get(collection, 0.0) + sample.value
            elif sample.name == "http_requests_total" and labels.get("status", "").startswith("5"):
                server_errors += sample.value
    return ServiceHealth(service=service, reachable=True, dead_letters=dead_letters, consumer_lag=lag,
                         outbox_backlog=backlog, server_errors=server_errors)


class ServiceMetricsReader:
    """Reads every service's metrics concurrently over one HTTP client."""

    def __init__(self, endpoints: Mapping[str, str], http: httpx.AsyncClient) -> None:
        self._endpoints = dict(endpoints)
        self._http = http

    async def read(self) -> PlatformHealth:
        names = sorted(self._endpoints)
        found = await asyncio.gather(*(self._read_one(name, self._endpoints[name]) for name in names))
        return PlatformHealth(services=list(found))

    async def _read_one(self, service: str, url: str) -> ServiceHealth:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            return parse_metrics(service, response.text)
        except httpx.HTTPError as error:
            log.warning("metrics of %s unreachable at %s: %r", service, url, error)
        except ValueError as error:  # not an exposition text
            log.warning("metrics of %s unreadable at %s: %s", service, url, error)
        return ServiceHealth.unreachable(service)


async def read_platform_health(endpoints: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT_SECONDS,
                               transport: httpx.AsyncBaseTransport | None = None) -> PlatformHealth:
    """One reading with a client of its own (the page is rare: an operator's, now and then)."""
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as http:
        return await ServiceMetricsReader(endpoints, http).read()
