"""GET /caps/rules: the deadline rules in force, as the factories' Handbook tells them (read-only)."""

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from cap_service.domain.model import DeadlineRules
from shared_audits.contracts.enums import FindingSeverity
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["rules"])


class DeadlineOut(BaseModel):
    severity: FindingSeverity
    days: int = Field(description="Calendar days from the report's publication to correct the non-conformity.")


class CapRulesOut(BaseModel):
    version: str
    description: str
    counted_from: str = Field(description="What the days are counted from.", examples=["report_published"])
    deadlines: list[DeadlineOut] = Field(description="By severity, the shortest deadline first.")


@router.get("/rules", response_model=CapRulesOut)
async def rules(caller: CurrentPrincipal, request: Request) -> CapRulesOut:
    """The deadline rule set every new CAP item gets its due date from. Any signed-in user or client may read it."""
    deadline_rules: DeadlineRules = request.app.state.cap_handlers.deadline_rules
    # Each deadline as the rule computes it for a report published on day 0, so none is restated here.
    day_zero = date(2000, 1, 1)
    deadlines = [DeadlineOut(severity=severity, days=(deadline_rules.deadline_for(severity, day_zero) - day_zero).days)
                 for severity in deadline_rules.days_by_severity]
    return CapRulesOut(version=deadline_rules.version, description=deadline_rules.description,
                       counted_from="report_published", deadlines=sorted(deadlines, key=lambda d: d.days))
