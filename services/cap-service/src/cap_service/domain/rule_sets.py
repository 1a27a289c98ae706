"""The deadline rules as versions the operator publishes, and what makes a new version consistent."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from cap_service.domain.model import DeadlineRules
from shared_audits.contracts.enums import FindingSeverity

DEADLINES = "deadlines"
RULE_MODELS: dict[str, type[BaseModel]] = {DEADLINES: DeadlineRules}

# The most severe first: a more severe non-conformity never gets more time than a less severe one.
_BY_SEVERITY = [FindingSeverity.CRITICAL, FindingSeverity.MAJOR, FindingSeverity.MINOR]


def consistency_problems(kind: str, rules: BaseModel, in_force: Mapping[str, BaseModel]) -> list[dict[str, str]]:
    """Every severity has a deadline of at least a day, the more severe never the longer."""
    if not isinstance(rules, DeadlineRules):
        return []
    days = rules.days_by_severity
    problems = []
    for severity in FindingSeverity:
        where = f"body.days_by_severity.{severity}"
        if severity not in days:
            problems.append({"field": where, "message": f"every severity needs a deadline; {severity} has none"})
        elif days[severity] < 1:
            problems.append({"field": where, "message": "at least 1 day"})
    ordered = [severity for severity in _BY_SEVERITY if severity in days]
    for more_severe, severity in zip(ordered, ordered[1:]):
        if days[severity] < days[more_severe]:
            problems.append({"field": f"body.days_by_severity.{severity}",
                             "message": f"{severity} ({days[severity]} days) gets less time than {more_severe} "
                                        f"({days[more_severe]} days)"})
    return problems
