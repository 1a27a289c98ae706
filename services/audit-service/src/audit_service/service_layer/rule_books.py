"""The rule sets audits are judged by, as published versions: the ones in force, or those an audit is bound to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from pydantic import BaseModel

from audit_service.domain.handbook import DocumentRules
from audit_service.domain.rule_sets import RULE_MODELS, RuleKind, consistency_problems
from audit_service.domain.rules import RuleBook
from shared_audits.contracts.events import RuleSetVersionPublished
from shared_audits.rule_versions import RuleSetVersion, RuleSetVersionStore, VersionedRuleSets


def _published(version: RuleSetVersion, previous: str | None) -> RuleSetVersionPublished:
    return RuleSetVersionPublished(kind=version.kind, version=version.rule_version, previous_version=previous,
                                   content=version.content, published_at=version.published_at)


class RuleBooks:
    """Reads rule books from the published versions; ``versions`` publishes and lists them."""

    def __init__(self, store: RuleSetVersionStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 cache_seconds: float = 1.0) -> None:
        self.versions = VersionedRuleSets(store, RULE_MODELS, _published, consistency_problems, clock, cache_seconds)

    async def seed(self, seeds: Mapping[str, BaseModel]) -> None:
        await self.versions.seed(seeds)

    async def versions_in_force(self) -> dict[str, str]:
        return await self.versions.versions_in_force()

    async def in_force(self) -> RuleBook:
        """The rule sets in force now (what a mandate made now is bound to)."""
        return await self.bound({})

    async def bound(self, versions: Mapping[str, str]) -> RuleBook:
        """The rule sets of ``versions`` (kind -> version, as an audit recorded them); the ones in force for a
        kind it does not name (audits mandated before audits recorded their versions)."""
        async def of(kind: RuleKind):
            return await self.versions.rules(kind, versions.get(kind))

        return RuleBook(
            rating=await of(RuleKind.RATING),
            questionnaire=await of(RuleKind.QUESTIONNAIRE),
            sampling=await of(RuleKind.SAMPLING),
            timing=await of(RuleKind.TIMING),
            monitoring=await of(RuleKind.MONITORING),
        )

    async def documents(self) -> DocumentRules:
        return await self.versions.rules(RuleKind.DOCUMENTS)  # type: ignore[return-value]
