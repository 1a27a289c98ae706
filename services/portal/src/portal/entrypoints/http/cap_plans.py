"""A factory's own plan for each CAP item and its requests for more time; a linked member's answer to a request.

Plain forms (post/redirect/get); what cap-service refuses comes back on the page, next to the fields.
cap-service decides who may do what: only the factory of the CAP plans and asks, only a linked member answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from portal.adapters.gateway import ServiceProblem
from portal.domain.evidence_files import preview_kind
from portal.entrypoints.http.deps import FactoryForm, MemberForm, PageContext, checked_id
from portal.entrypoints.http.factory import _evidence_of as _factory_evidence
from portal.entrypoints.http.factory import _upload_limits, site_of
from portal.entrypoints.http.member import _evidence_of as _member_evidence
from portal.entrypoints.http.member import _render

router = APIRouter()

FORM_PROBLEMS = (400, 409, 422)
DECIDED = {"grant": "granted", "refuse": "refused"}  # the decision -> its confirmation key on the site page


def _item(cap: dict, item_id: str) -> dict:
    found = next((item for item in cap.get("items") or [] if item["item_id"] == item_id), None)
    if found is None:
        raise HTTPException(404)
    return found


async def _refused_on_factory_page(page: PageContext, cap_id: str, item_id: str, form: str, values: dict[str, str],
                                   problem: ServiceProblem) -> Response:
    """The CAP page again, the refused form filled in as sent, the service's messages next to its fields."""
    errors = {name: message for name, message in problem.field_errors.items() if name in values}
    if not errors:
        errors = {"form": problem.detail or problem.title}
    found = await page.get(f"/caps/caps/{cap_id}")
    _item(found, item_id)
    return page.render("factory/cap.html", status_code=problem.status, cap=found,
                       evidence=await _factory_evidence(page, found), limits=_upload_limits(page),
                       plan_form={"item_id": item_id, "form": form, "values": values, "errors": errors})


@router.post("/factory/caps/{cap_id}/items/{item_id}/plan")
async def write_plan(
    page: FactoryForm, cap_id: str, item_id: str,
    root_cause: Annotated[str, Form(max_length=4000)] = "",
    corrective_action: Annotated[str, Form(max_length=4000)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    target_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The factory writes (or rewrites) its plan for an item: root cause, action, owner and target date."""
    site_of(page)
    cap_id, item_id = checked_id(cap_id), checked_id(item_id)
    values = {"root_cause": root_cause.strip(), "corrective_action": corrective_action.strip(),
              "owner": owner.strip(), "target_date": target_date.strip()}
    try:
        await page.put(f"/caps/caps/{cap_id}/items/{item_id}/plan", values)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        return await _refused_on_factory_page(page, cap_id, item_id, "plan", values, problem)
    return RedirectResponse(f"/factory/caps/{cap_id}?done=plan#item-{item_id}", status_code=303)


@router.post("/factory/caps/{cap_id}/items/{item_id}/extensions")
async def request_extension(
    page: FactoryForm, cap_id: str, item_id: str,
    new_deadline: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The factory asks for a later deadline for an item, saying why; a linked member decides."""
    site_of(page)
    cap_id, item_id = checked_id(cap_id), checked_id(item_id)
    values = {"new_deadline": new_deadline.strip(), "reason": reason.strip()}
    try:
        await page.post(f"/caps/caps/{cap_id}/items/{item_id}/extensions", values)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        return await _refused_on_factory_page(page, cap_id, item_id, "extension", values, problem)
    return RedirectResponse(f"/factory/caps/{cap_id}?done=extension#item-{item_id}", status_code=303)


@router.post("/member/caps/{cap_id}/items/{item_id}/extensions/{extension_id}/decision")
async def decide_extension(
    page: MemberForm, cap_id: str, item_id: str, extension_id: str,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A linked member grants the factory's request (the deadline moves) or refuses it, saying why."""
    cap_id, item_id, extension_id = checked_id(cap_id), checked_id(item_id), checked_id(extension_id)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if decision not in DECIDED:
        errors["extension"] = page._("Choose to grant or to refuse the request.")
    elif decision == "refuse" and not reason:
        errors["reason"] = page._("Say why you refuse, so that the factory knows what to do.")
    status_code = 422
    if not errors:
        try:
            cap = await page.post(f"/caps/caps/{cap_id}/items/{item_id}/extensions/{extension_id}/decision",
                                  {"decision": decision, "reason": reason or None})
            return RedirectResponse(f"/member/sites/{cap['factory_id']}?done={DECIDED[decision]}#item-{item_id}",
                                    status_code=303)
        except ServiceProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            status_code = problem.status
            errors = {"reason": problem.field_errors["reason"]} if "reason" in problem.field_errors else {
                "extension": problem.detail or problem.title}
    cap = await page.get(f"/caps/caps/{cap_id}")
    item = _item(cap, item_id)
    return _render(page, "member/extension_decision.html", status_code=status_code, cap=cap, item=item,
                   evidence=await _member_evidence(page, [{"cap_id": cap_id, "items": [item]}]),
                   decision_errors={}, decision_values={}, notice=None, preview_kind=preview_kind,
                   oob_progress=False, extension_form={"values": {"decision": decision, "reason": reason},
                                                       "errors": errors})
