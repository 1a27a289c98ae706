"""AsyncAPI 3.0 documents of every topic, generated from the event contracts in ``shared_audits.contracts``.

One document per topic under ``docs/asyncapi/``: the domain topics (one per
producing service), a member's feed topic and a service's dead-letter topic.
The schemas are the pydantic models' own JSON schemas, so the documents cannot
say anything the code does not; ``check`` regenerates and compares (CI drift check).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from shared_audits.contracts import EVENT_TYPES
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.topics import DOMAIN_TOPICS, FEED_PARTITIONS, dead_letter_topic

SCHEMA_REF = "#/components/schemas/{model}"
KAFKA_BINDING_VERSION = "0.5.0"
HEADERS = {
    "type": "object",
    "properties": {
        "traceparent": {"type": "string", "description": "W3C trace context of the change that raised the event"},
        "event-type": {"type": "string", "description": "the envelope's type, for routing without parsing"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def _producer(payload: type[EventPayload]) -> str:
    module = payload.__module__.rsplit(".", 1)[-1]
    return {"access": "access-control", "registry": "factory-registry", "audit": "audit-service",
            "cap": "cap-service", "evidence": "evidence-store", "notifier": "notifier"}.get(module, module)


def _message_id(payload: type[EventPayload]) -> str:
    return f"{payload.TYPE}.v{payload.VERSION}"


def _payloads_on(topic: str) -> list[type[EventPayload]]:
    return sorted((p for p in EVENT_TYPES.values() if p.TOPIC.name == topic), key=_message_id)


def _schemas(payloads: list[type[EventPayload]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each payload's schema reference and the shared component schemas."""
    models = [(EventEnvelope, "validation"), *((p, "validation") for p in payloads)]
    refs, definitions = models_json_schema(models, ref_template=SCHEMA_REF)
    return {p: refs[(p, "validation")] for p in payloads}, definitions.get("$defs", {})


def _message(payload: type[EventPayload], payload_ref: dict[str, Any]) -> dict[str, Any]:
    envelope = {
        "allOf": [
            {"$ref": SCHEMA_REF.format(model="EventEnvelope")},
            {
                "type": "object",
                "properties": {
                    "type": {"const": payload.TYPE},
                    "version": {"const": payload.VERSION},
                    "producer": {"const": _producer(payload)},
                    "payload": payload_ref,
                },
            },
        ]
    }
    summary = (payload.__doc__ or "").strip().splitlines()[0] if payload.__doc__ else payload.TYPE
    return {
        "name": payload.TYPE,
        "title": f"{payload.TYPE} v{payload.VERSION}",
        "summary": summary,
        "contentType": "application/json",
        "headers": HEADERS,
        "payload": envelope,
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "the partition key: the factory id (organisation id for organisation events)"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _document(title: str, description: str, address: str, partitions: int, action: str,
              payloads: list[type[EventPayload]], extra_schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    refs, schemas = _schemas(payloads)
    messages = {_message_id(p): _message(p, refs[p]) for p in payloads}
    channel_messages = {mid: {"$ref": f"#/components/messages/{mid}"} for mid in messages}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "defaultContentType": "application/json",
        "channels": {
            "events": {
                "address": address,
                "messages": channel_messages,
                "bindings": {"kafka": {"topic": address, "partitions": partitions, "bindingVersion": KAFKA_BINDING_VERSION}},
            }
        },
        "operations": {
            action: {
                "action": "send" if action == "publish" else "receive",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": f"#/channels/events/messages/{mid}"} for mid in messages],
            }
        },
        "components": {"messages": messages, "schemas": {**schemas, **(extra_schemas or {})}},
    }


DEAD_LETTER_SCHEMA = {
    "DeadLetter": {
        "type": "object",
        "description": "An event a service could not handle (shared_audits.consumer.DeadLetters).",
        "required": ["reason", "service", "source_topic", "partition", "offset", "dead_lettered_at", "original"],
        "properties": {
            "reason": {"type": "string"},
            "service": {"type": "string"},
            "source_topic": {"type": "string"},
            "partition": {"type": "integer"},
            "offset": {"type": "integer"},
            "key": {"type": ["string", "null"]},
            "dead_lettered_at": {"type": "string", "format": "date-time"},
            "original": {"type": "string", "description": "the record's value as received, to replay"},
        },
    }
}


def documents() -> dict[str, dict[str, Any]]:
    """File name to AsyncAPI document, for every topic the platform has."""
    result = {}
    for topic in DOMAIN_TOPICS:
        payloads = _payloads_on(topic.name)
        producer = _producer(payloads[0]) if payloads else topic.name.split(".")[1]
        result[f"{topic.name}.yaml"] = _document(
            f"{topic.name}", f"Events published by {producer}, keyed by factory id so each factory's events keep their order.",
            topic.name, topic.partitions, "publish", payloads,
        )
    feed_payloads = sorted((p for p in EVENT_TYPES.values() if p.TOPIC in DOMAIN_TOPICS), key=_message_id)
    result["ics.feed.member.v1.yaml"] = _document(
        "ics.feed.{member_id}.v1",
        "A member's own feed: the domain events about the factories it is linked to, nothing else. "
        "Another member is named `linked-member` (in `member_id`, and `decided_by` beside it) unless a member "
        "group holds both (see docs/member-feeds.md). "
        "Its integration reads it with its own Kafka credentials (see docs/member-integration.md).",
        "ics.feed.{member_id}.v1", FEED_PARTITIONS, "receive", feed_payloads,
    )
    dead_letter = dead_letter_topic("{service}")
    document = _document(
        dead_letter.name, "What a service could not handle, with the reason; replay with `shared-audits replay-dead-letters`.",
        dead_letter.name, dead_letter.partitions, "publish", [], DEAD_LETTER_SCHEMA,
    )
    document["components"]["messages"] = {"DeadLetter": {
        "name": "DeadLetter", "contentType": "application/json", "payload": {"$ref": "#/components/schemas/DeadLetter"}}}
    document["channels"]["events"]["messages"] = {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}}
    document["operations"]["publish"]["messages"] = [{"$ref": "#/channels/events/messages/DeadLetter"}]
    result["ics.deadletter.service.v1.yaml"] = document
    return result


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated parts in full: no YAML anchors for a reader to chase."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(document: dict[str, Any]) -> str:
    header = "# Generated by `shared-audits asyncapi` from shared_audits.contracts: do not edit by hand.\n"
    return header + yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120)


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents().items():
        path = directory / name
        path.write_text(render(document))
        written.append(path)
    return written


def drift(directory: Path) -> list[str]:
    """Differences between the committed documents and what the contracts generate (empty: none)."""
    problems = []
    expected = documents()
    for name, document in expected.items():
        path = directory / name
        if not path.exists():
            problems.append(f"missing {path}")
            continue
        wanted, found = render(document).splitlines(), path.read_text().splitlines()
        if wanted != found:
            diff = difflib.unified_diff(found, wanted, f"{name} (committed)", f"{name} (generated)", lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    for path in sorted(directory.glob("*.yaml")):
        if path.name not in expected:
            problems.append(f"{path} matches no topic any more")
    return problems
