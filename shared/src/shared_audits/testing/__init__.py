"""Test support for unit tests (the services', the shared package's, the tools'): never imported by a service's src.

- callers of every kind without tokens: ``operator()``, ``member(id)``, ``factory_account(id)``,
  ``audit_company(id)`` (``shared_audits.testing.principals``);
- in-memory fakes of the adapters every runtime holds: the aggregate store and its outbox
  hand-over, the links, merges and member-group projections, the processed-events log, the
  dead letters, a token verifier (``shared_audits.testing.fakes``); ``InMemorySharedAdapters``
  gathers them for ``build_runtime(..., shared=...)``: an app built on them starts no MongoDB,
  no relay against it, and its broker can be wrapped in FastStream's ``TestKafkaBroker``;
- ``running(app)``: such an app started in the test's event loop on ``TestKafkaBroker``, with an
  httpx client and ``publish(event)`` to its subscribers; ``assert_answered_as_unknown`` checks
  that a hidden resource is answered as an unknown id (``shared_audits.testing.app``).

docs/service-template.md shows how a service's tests use them.
"""

from shared_audits.testing.fakes import (
    FakeTokenVerifier,
    InMemoryAggregateStore,
    InMemoryDeadLetters,
    InMemoryLinkProjection,
    InMemoryMemberGroups,
    InMemoryMergedFactories,
    InMemoryOutbox,
    InMemoryProcessedEvents,
    InMemorySharedAdapters,
)
from shared_audits.testing.principals import audit_company, factory_account, member, operator
from shared_audits.testing.app import RunningApp, assert_answered_as_unknown, running

__all__ = [
    "FakeTokenVerifier",
    "InMemoryAggregateStore",
    "InMemoryDeadLetters",
    "InMemoryLinkProjection",
    "InMemoryMemberGroups",
    "InMemoryMergedFactories",
    "InMemoryOutbox",
    "InMemoryProcessedEvents",
    "InMemorySharedAdapters",
    "RunningApp",
    "assert_answered_as_unknown",
    "audit_company",
    "factory_account",
    "member",
    "operator",
    "running",
]
