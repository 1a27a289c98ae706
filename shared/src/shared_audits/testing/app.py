"""A service app running in the test's event loop: no MongoDB, no Kafka, no network.

``build_app(settings, adapters=...)`` over ``InMemorySharedAdapters`` gives an app whose
broker FastStream's ``TestKafkaBroker`` can take: ``running(app)`` wraps the broker, runs
the app's lifespan (startup hooks, subscriptions, jobs) and hands back an httpx client on
the app and a way to publish events to its subscribers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker, TestKafkaBroker

from shared_audits.contracts.envelope import EventPayload, wrap
from shared_audits.http import PROBLEM_MEDIA_TYPE
from shared_audits.runtime import ServiceRuntime


@dataclass
class RunningApp:
    client: httpx.AsyncClient
    broker: KafkaBroker
    runtime: ServiceRuntime

    async def publish(self, payload: EventPayload, producer: str = "test") -> None:
        """Publish an event to its topic as its producer would; the subscribers have handled it on return."""
        envelope = wrap(payload, producer=producer)
        await self.publish_raw(payload.TOPIC.name, envelope.model_dump_json().encode(), key=envelope.key)

    async def publish_raw(self, topic: str, raw: bytes, key: str | None = None) -> None:
        """Publish any bytes (a bad payload, an unknown event) to a topic."""
        await self.broker.publish(raw, topic, key=key.encode() if key else None,
                                  headers={"content-type": "application/json"})


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[RunningApp]:
    """The app started on ``TestKafkaBroker``, with a client; stopped on exit."""
    runtime: ServiceRuntime = app.state.runtime
    if runtime.connects:
        raise RuntimeError("build the app with the service's Adapters over InMemorySharedAdapters")
    async with TestKafkaBroker(runtime.broker) as broker, app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield RunningApp(client, broker, runtime)


def assert_answered_as_unknown(hidden: httpx.Response, unknown: httpx.Response, asked: dict[str, str]) -> None:
    """The answer about something the caller may not see is the answer about an id that does not exist.

    Both are 404 problems with the same body, but for the ids each request named: ``asked`` maps
    each id of the hidden request to the one the unknown request named in its place.
    """
    where = f"{hidden.request.method} {hidden.request.url.path}"
    assert hidden.status_code == unknown.status_code == 404, f"{where}: {hidden.status_code}, {unknown.status_code}"
    assert hidden.headers["content-type"] == unknown.headers["content-type"] == PROBLEM_MEDIA_TYPE, where
    hidden_body, unknown_body = hidden.json(), unknown.json()
    detail, unknown_detail = hidden_body.pop("detail"), unknown_body.pop("detail")
    assert hidden_body == unknown_body, f"{where}: {hidden_body} != {unknown_body}"
    for real, stand_in in asked.items():
        detail = detail.replace(real, stand_in)
    assert detail == unknown_detail, f"{where}: {detail!r} != {unknown_detail!r}"
