"""A parked event is re-driven by the CLI once its cause is gone, and handled by its service."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker
from typer.testing import CliRunner

from shared_audits.consumer import DeadLetters, DeliveredRecord
from shared_audits.contracts.events import EvidenceStored
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.topics import EVIDENCE
from shared_audits_cli.main import app
from shared_audits_client import eventually
from shared_audits_client.story import assemble_cast, walk_skeleton
from tests.integration.stack import Stack


async def _park(bootstrap: str, raw: bytes, key: str, reason: str) -> None:
    """Park an event exactly as cap-service's consumer does when it cannot handle it."""
    broker = KafkaBroker(bootstrap, logger=logging.getLogger("test"))
    await broker.start()
    try:
        await DeadLetters(broker, "cap-service").park(raw, DeliveredRecord(EVIDENCE.name, 0, 0, key), reason)
    finally:
        await broker.stop()


def test_replay_re_drives_a_parked_evidence_event_to_cap_service(stack: Stack) -> None:
    # Given an open CAP, and evidence for it that cap-service parked (it arrived before the CAP, say).
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    try:
        run = walk_skeleton(cast)
        started = datetime.now(UTC)
        evidence_id = str(uuid.uuid4())
        stored = EvidenceStored(
            evidence_id=evidence_id, factory_id=cast.factory_id, cap_id=run.cap["cap_id"], item_id=run.item_id,
            filename="permit-renewed.pdf", content_type="application/pdf", size_bytes=1024, sha256="0" * 64,
        )
        envelope = wrap(stored, producer="evidence-store")
        asyncio.run(_park(stack.kafka_bootstrap, envelope.model_dump_json().encode(), cast.factory_id,
                          f"EvidenceStored refused: evidence for unknown CAP {run.cap['cap_id']}"))

        # When the operator replays cap-service's dead letters of that type parked since.
        result = CliRunner().invoke(app, [
            "replay-dead-letters", "cap-service", "--type", "EvidenceStored", "--since", started.isoformat(),
            "--bootstrap", stack.kafka_bootstrap,
        ], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "replayed 1 dead letters of cap-service" in result.output

        # Then cap-service handles the event: the evidence is on the item.
        def evidence_recorded() -> None:
            item = cast.member_a.cap(run.cap["cap_id"])["items"][0]
            assert evidence_id in item["evidence_ids"], item["evidence_ids"]

        eventually(evidence_recorded)
    finally:
        cast.close()

