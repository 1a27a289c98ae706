"""Fixtures of evidence-store's unit tests: the handlers over fakes, and the whole app over fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from evidence_store.bootstrap import Adapters, build_app
from evidence_store.config import Settings
from evidence_store.service_layer.handlers import EvidenceHandlers
from shared_audits.testing import (
    InMemoryAggregateStore,
    InMemoryLinkProjection,
    InMemorySharedAdapters,
    RunningApp,
    running,
)

from .fakes import CAP_ITEM, FACTORY, LINKED_MEMBER, FakeBucket, InMemoryCapItems

@pytest.fixture
def bucket() -> FakeBucket:
    return FakeBucket()


@pytest.fixture
def handlers(bucket: FakeBucket) -> EvidenceHandlers:
    return EvidenceHandlers(
        evidence=InMemoryAggregateStore(),
        uploads=InMemoryAggregateStore(),
        objects=bucket,
        cap_items=InMemoryCapItems({CAP_ITEM: FACTORY}),
        links=InMemoryLinkProjection({(LINKED_MEMBER, FACTORY)}),
        max_upload_bytes=1024,
        allowed_types=["pdf", "jpeg", "png", "docx", "xlsx"],
        download_url_seconds=300,
    )


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    """The runtime's own adapters in memory, with the one link of the world."""
    shared = InMemorySharedAdapters()
    shared.links.links.add((LINKED_MEMBER, FACTORY))
    return shared


@pytest.fixture
def adapters(shared: InMemorySharedAdapters, bucket: FakeBucket) -> Adapters:
    return Adapters(
        evidence=shared.store(), uploads=shared.store(), objects=bucket,
        cap_items=InMemoryCapItems({CAP_ITEM: FACTORY}), shared=shared,
    )


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """evidence-store in process: its routes, subscriptions and job over the fakes, on TestKafkaBroker."""
    async with running(build_app(Settings(max_upload_bytes=1024), adapters=adapters)) as service:
        yield service
