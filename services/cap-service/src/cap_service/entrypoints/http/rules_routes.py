"""The deadline rules: GET /caps/rules as the factories' Handbook tells them, and their published versions."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field

from cap_service.domain.rule_sets import DEADLINES
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.contracts.enums import FindingSeverity
from shared_audits.http import CurrentPrincipal
from shared_audits.problems import problems
from shared_audits.rule_versions import RuleSetVersionOut, VersionedRuleSets

router = APIRouter(tags=["rules"])


class DeadlineOut(BaseModel):
    severity: FindingSeverity
    days: int = Field(description="Calendar days from the report's publication to correct the non-conformity.")


class CapRulesOut(BaseModel):
    version: str
    description: str
    counted_from: str = Field(description="What the days are counted from.", examples=["report_published"])
    deadlines: list[DeadlineOut] = Field(description="By severity, the shortest deadline first.")


def _handlers(request: Request) -> CapHandlers:
    return request.app.state.cap_handlers


def _versions(request: Request) -> VersionedRuleSets:
    return request.app.state.cap_handlers.published_rules


Handlers = Annotated[CapHandlers, Depends(_handlers)]
Versions = Annotated[VersionedRuleSets, Depends(_versions)]


@router.get("/rules", response_model=CapRulesOut)
async def rules(caller: CurrentPrincipal, handlers: Handlers) -> CapRulesOut:
    """The deadline rule set every new CAP item gets its due date from. Any signed-in user or client may read it."""
    deadline_rules = await handlers.deadline_rules_in_force()
    # Each deadline as the rule computes it for a report published on day 0, so none is restated here.
    day_zero = date(2000, 1, 1)
    deadlines = [DeadlineOut(severity=severity, days=(deadline_rules.deadline_for(severity, day_zero) - day_zero).days)
                 for severity in deadline_rules.days_by_severity]
    return CapRulesOut(version=deadline_rules.version, description=deadline_rules.description,
                       counted_from="report_published", deadlines=sorted(deadlines, key=lambda d: d.days))


@router.get("/rules/deadlines/versions", response_model=list[RuleSetVersionOut])
async def deadline_rule_versions(caller: CurrentPrincipal, versions: Versions) -> list[RuleSetVersionOut]:
    """Every version of the deadline rules, the newest (in force) first, without their content. Any signed-in
    user or client may read them."""
    in_force = await versions.versions_in_force()
    return [RuleSetVersionOut.of(stored, in_force, with_content=False) for stored in await versions.history(DEADLINES)]


@router.get("/rules/deadlines/versions/{version}", response_model=RuleSetVersionOut)
async def deadline_rule_version(version: str, caller: CurrentPrincipal, versions: Versions) -> RuleSetVersionOut:
    """One version of the deadline rules with its content (each CAP names the version it was opened with)."""
    return RuleSetVersionOut.of(await versions.version(DEADLINES, version), await versions.versions_in_force())


@router.post(
    "/rules/deadlines/versions", response_model=RuleSetVersionOut, status_code=201,
    responses=problems({
        403: "Not the operator",
        409: "This version is already published",
        422: "The rules do not fit their schema, a severity has no deadline (or under a day), a more severe "
             "non-conformity gets more time than a less severe one, or the version is not newer than the one "
             "in force: one entry per field in `errors`",
    }),
)
async def publish_deadline_rules(
    caller: CurrentPrincipal,
    versions: Versions,
    content: Annotated[dict[str, Any], Body(
        # No example here: an example is a valid rule set, and tools that try examples would publish it.
        description="The deadline rules with their `version` (newer than the one in force), in the shape "
                    "`GET /caps/rules/deadlines/versions/{version}` answers under `content`, e.g. "
                    "`{\"version\": \"2026.2\", \"description\": \"...\", \"days_by_severity\": "
                    "{\"critical\": 30, \"major\": 60, \"minor\": 90}}`.",
    )],
) -> RuleSetVersionOut:
    """The operator publishes a new version of the deadline rules. A CAP opened from now on (when its report
    is published) takes its deadlines from it and records its version; CAPs opened before keep theirs.
    Announced to members' systems by `DeadlineRulesVersionPublished`."""
    published = await versions.publish(caller, DEADLINES, content)
    return RuleSetVersionOut.of(published, {published.kind: published.rule_version})
