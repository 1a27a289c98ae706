"""Fixtures of cap-service's unit tests: the handlers over fakes, and the whole app over fakes.

The world (fakes.py): members m-a and m-b linked to factory f-1, m-z to none. ``app`` is the
whole service in process: build_app over these fakes, its broker in FastStream's TestKafkaBroker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cap_service.adapters.record_keys import verify_signature
from cap_service.adapters.rules import load_deadline_rules
from cap_service.bootstrap import Adapters, build_app
from cap_service.config import Settings
from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.record import CapRecords
from shared_audits.testing import (
    InMemoryAggregateStore,
    InMemoryLinkProjection,
    InMemorySharedAdapters,
    RunningApp,
    running,
)

from .fakes import LINKED_MEMBERS, RECORD_NOW, InMemoryChainHeads, InMemoryCheckpointStore, InMemoryRecordKeys


@pytest.fixture
def caps() -> CapHandlers:
    return CapHandlers(
        caps=InMemoryAggregateStore(),
        links=InMemoryLinkProjection({(member_id, "f-1") for member_id in LINKED_MEMBERS}),
        deadline_rules=load_deadline_rules(),
    )


@pytest.fixture
async def records(caps: CapHandlers) -> CapRecords:
    keys = InMemoryRecordKeys()
    await keys.ensure_key(RECORD_NOW)
    return CapRecords(caps=caps.caps, heads=InMemoryChainHeads(caps.caps), checkpoints=InMemoryCheckpointStore(),
                      keys=keys, links=caps.links, verify_signature=verify_signature, clock=lambda: RECORD_NOW)


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    """The runtime's own adapters in memory, with the links of the world."""
    shared = InMemorySharedAdapters()
    shared.links.links |= {(member_id, "f-1") for member_id in LINKED_MEMBERS}
    return shared


@pytest.fixture
def adapters(shared: InMemorySharedAdapters) -> Adapters:
    caps = shared.store()
    return Adapters(caps=caps, rule_set_versions=shared.store(), chain_heads=InMemoryChainHeads(caps),
                    checkpoints=InMemoryCheckpointStore(), record_keys=InMemoryRecordKeys(), shared=shared)


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """cap-service in process: its routes, subscriptions and jobs over the fakes, on TestKafkaBroker."""
    async with running(build_app(Settings(), adapters=adapters)) as service:
        yield service
