"""The rule sets: GET /audits/rules as the factories' Handbook tells them, and their published versions."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from audit_service.domain.handbook import HandbookRules, handbook_rules
from audit_service.domain.rule_sets import RuleKind
from audit_service.entrypoints.http.rules_schemas import RulesOut
from audit_service.service_layer.rule_books import RuleBooks
from shared_audits.http import CurrentPrincipal
from shared_audits.problems import problems
from shared_audits.rule_versions import RuleSetVersionOut

router = APIRouter(tags=["rules"])


def _rule_books(request: Request) -> RuleBooks:
    return request.app.state.audit_handlers.rules


Rules = Annotated[RuleBooks, Depends(_rule_books)]


async def _handbook_rules(rules: Rules) -> HandbookRules:
    return handbook_rules(await rules.in_force(), await rules.documents())


@router.get("/rules", response_model=RulesOut)
async def rules(caller: CurrentPrincipal, current: Annotated[HandbookRules, Depends(_handbook_rules)]) -> RulesOut:
    """The rule sets the platform applies now, with their versions: rating bands and alerts, the
    questionnaire's chapters and critical questions, sample sizes and auditor-days by workforce, the
    documents the auditor reviews, audit types, announcement and report timing.

    Any signed-in user or client may read them; the factories' Handbook is generated from this answer.
    """
    return RulesOut.model_validate(current)


@router.get("/rules/{kind}/versions", response_model=list[RuleSetVersionOut])
async def rule_set_versions(kind: RuleKind, caller: CurrentPrincipal, rules: Rules) -> list[RuleSetVersionOut]:
    """Every version of one kind of rule set, the newest (in force) first, without their content.

    Any signed-in user or client may read them (members' systems follow the versions).
    """
    in_force = await rules.versions.versions_in_force()
    return [RuleSetVersionOut.of(stored, in_force, with_content=False) for stored in await rules.versions.history(kind)]


@router.get("/rules/{kind}/versions/{version}", response_model=RuleSetVersionOut)
async def rule_set_version(kind: RuleKind, version: str, caller: CurrentPrincipal, rules: Rules) -> RuleSetVersionOut:
    """One version of a rule set with its content, as it was published (a report names the versions it was rated by)."""
    stored = await rules.versions.version(kind, version)
    return RuleSetVersionOut.of(stored, await rules.versions.versions_in_force())


@router.post(
    "/rules/{kind}/versions", response_model=RuleSetVersionOut, status_code=201,
    responses=problems({
        403: "Not the operator",
        409: "This version is already published",
        422: "The rule set does not fit its schema, is inconsistent (rating bands that overlap or leave a gap, "
             "a questionnaire naming a zero-tolerance topic the monitoring rules lack, documents naming a chapter "
             "the questionnaire lacks, ...), or its version is not newer than the one in force: one entry per "
             "field in `errors`",
    }),
)
async def publish_rule_set_version(
    kind: RuleKind,
    caller: CurrentPrincipal,
    rules: Rules,
    content: Annotated[dict[str, Any], Body(
        # No example here: an example is a valid rule set, and tools that try examples would publish it.
        description="The rule set, with its `version` (newer than the one in force), in the shape "
                    "`GET /audits/rules/{kind}/versions/{version}` answers under `content`: read the version in "
                    "force, change what changes and its `version`, and publish it.",
    )],
) -> RuleSetVersionOut:
    """The operator publishes a new version of a rule set (questionnaire, rating, sampling, monitoring, timing
    or documents). It is in force at once: audits mandated from now on are bound to it and their reports
    are validated and rated by it; audits mandated before keep the versions they were mandated under, and
    published reports keep theirs. Announced to members' systems by `RuleSetVersionPublished`.
    """
    published = await rules.versions.publish(caller, kind, content)
    return RuleSetVersionOut.of(published, {published.kind: published.rule_version})
