"""GET /audits/rules: the rule sets in force, as the factories' Handbook tells them (read-only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from audit_service.adapters.document_rules import load_document_rules
from audit_service.domain.handbook import HandbookRules, handbook_rules
from audit_service.entrypoints.http.rules_schemas import RulesOut
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["rules"])


def _handbook_rules(request: Request) -> HandbookRules:
    return handbook_rules(request.app.state.audit_handlers.rules, load_document_rules())


@router.get("/rules", response_model=RulesOut)
async def rules(caller: CurrentPrincipal, current: Annotated[HandbookRules, Depends(_handbook_rules)]) -> RulesOut:
    """The rule sets the platform applies now, with their versions: rating bands and alerts, the
    questionnaire's chapters and critical questions, sample sizes and auditor-days by workforce, the
    documents the auditor reviews, audit types, announcement and report timing.

    Any signed-in user or client may read them; the factories' Handbook is generated from this answer.
    """
    return RulesOut.model_validate(current)
