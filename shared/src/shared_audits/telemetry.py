"""OpenTelemetry tracing: one provider per process, W3C context everywhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def build_tracer_provider(
    service_name: str,
    otlp_endpoint: str | None = None,
    extra_processors: list[SpanProcessor] | None = None,
) -> TracerProvider:
    """A tracer provider that exports over OTLP/HTTP when an endpoint is configured.

    Without an endpoint spans are still created (their ids reach the logs and the
    Kafka headers) but not exported. Tests pass an in-memory processor instead.
    """
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces"))
        )
    for processor in extra_processors or []:
        provider.add_span_processor(processor)
    return provider


# The trace context of each event a batch handler is working on, by event id: a batch is
# consumed under one span, but what a handler publishes about an event continues that event's trace.
_EVENT_CONTEXTS: ContextVar[Mapping[str, Context]] = ContextVar("event_contexts", default={})


@contextmanager
def handling_events(contexts: Mapping[str, Context]) -> Iterator[None]:
    """Within this block ``event_context`` answers for these events."""
    token = _EVENT_CONTEXTS.set(contexts)
    try:
        yield
    finally:
        _EVENT_CONTEXTS.reset(token)


def event_context(event_id: str) -> Context | None:
    """The trace context of an event being handled in a batch, if any."""
    return _EVENT_CONTEXTS.get().get(event_id)
