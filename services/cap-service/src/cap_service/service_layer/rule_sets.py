"""The deadline rules' published versions: the operator publishes, the newest is in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cap_service.domain.rule_sets import RULE_MODELS, consistency_problems
from shared_audits.contracts.events import DeadlineRulesVersionPublished
from shared_audits.rule_versions import RuleSetVersion, RuleSetVersionStore, VersionedRuleSets


def _published(version: RuleSetVersion, previous: str | None) -> DeadlineRulesVersionPublished:
    return DeadlineRulesVersionPublished(version=version.rule_version, previous_version=previous,
                                         content=version.content, published_at=version.published_at)


def deadline_rule_sets(store: RuleSetVersionStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                       cache_seconds: float = 1.0) -> VersionedRuleSets:
    return VersionedRuleSets(store, RULE_MODELS, _published, consistency_problems, clock, cache_seconds)
