"""The rule sets an audit is judged by, bundled; each keeps its own version."""

from __future__ import annotations

from dataclasses import dataclass

from audit_service.domain.monitoring import MonitoringRules
from audit_service.domain.questionnaire import Questionnaire
from audit_service.domain.rating import RatingRules
from audit_service.domain.sampling import SamplingRules
from audit_service.domain.timing import TimingRules


@dataclass(frozen=True)
class RuleBook:
    rating: RatingRules
    questionnaire: Questionnaire
    sampling: SamplingRules
    timing: TimingRules
    monitoring: MonitoringRules

    def versions(self) -> dict[str, str]:
        return {
            "rating": self.rating.version,
            "questionnaire": self.questionnaire.version,
            "sampling": self.sampling.version,
            "timing": self.timing.version,
            "monitoring": self.monitoring.version,
        }
