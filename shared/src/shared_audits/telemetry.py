"""OpenTelemetry tracing: one provider per process, W3C context everywhere."""

from __future__ import annotations

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
