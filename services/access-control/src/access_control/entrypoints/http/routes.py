"""HTTP routes of organisations, client-credential tokens and accreditation: translate only."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

from access_control.domain.accreditation import AccreditationRules
from access_control.domain.model import Organisation
from access_control.entrypoints.http.deps import Handlers
from shared_audits.problems import problems
from access_control.entrypoints.http.schemas import (
    AccreditationOut,
    AccreditationRestatementOut,
    DecideAccreditation,
    MoveTrialStart,
    OrganisationOut,
    OrganisationSummaryOut,
    RegisteredOrganisationOut,
    RegisterOrganisation,
    TokenOut,
)
from access_control.service_layer.login_throttle import ThrottledLogin

router = APIRouter()


def _login(request: Request) -> ThrottledLogin:
    return request.app.state.throttled_login


Login = Annotated[ThrottledLogin, Depends(_login)]


def _organisation_out(organisation: Organisation, rules: AccreditationRules) -> dict:
    accreditation = organisation.accreditation
    return {
        "organisation_id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind,
        "factory_id": organisation.factory_id,
        "client_id": organisation.client_id,
        "accreditation": AccreditationOut(
            status=accreditation.status,
            trial_started_at=accreditation.trial_started_at,
            trial_ends_at=accreditation.trial_ends_at(rules),
            mandating_members=len(accreditation.mandating_members),
            decisions=[decision.model_dump() for decision in accreditation.decisions],
        ) if accreditation else None,
    }


@router.post("/token", response_model=TokenOut, tags=["tokens"], responses=problems({
    401: "Unknown client id or wrong secret",
    429: "Too many failed logins for this client id (or the gateway's rate limit); retry later",
}))
async def token(
    login: Login,
    grant_type: Annotated[str, Form(pattern="^client_credentials$")],
    client_id: Annotated[str, Form(min_length=1, max_length=100)],
    client_secret: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenOut:
    """OAuth 2.0 client credentials grant: a short-lived, signed access token.

    Repeated failures for one client id slow down (429 until the delay has passed).
    """
    issued = await login.issue_token(client_id, client_secret)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post("/organisations", response_model=RegisteredOrganisationOut, status_code=201, tags=["organisations"])
async def register_organisation(
    body: RegisterOrganisation, caller: CurrentPrincipal, handlers: Handlers
) -> RegisteredOrganisationOut:
    registered = await handlers.register_organisation(caller, body.name, body.kind, body.factory_id)
    return RegisteredOrganisationOut(
        **_organisation_out(registered.organisation, handlers.accreditation_rules),
        client_secret=registered.client_secret,
    )


@router.get(
    "/organisations", response_model=list[OrganisationSummaryOut], tags=["organisations"],
    responses={
        200: {"description": "One page, in id order", "headers": NEXT_PAGE_HEADERS},
        **problems({
            401: "No valid bearer token",
            403: "A factory or an audit company; a member asking for another kind than audit_company; "
                 "a member's machine client without the scope audits:write",
            422: "A bad kind, limit or cursor (one entry per field in `errors`)",
        }),
    },
)
async def organisations(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    handlers: Handlers,
    kind: Annotated[OrganisationKind | None, Query(description="Operator: only this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Organisations per page")] = 50,
    cursor: Annotated[str | None, Query(min_length=1, max_length=64,
                                        description="From the previous page's `X-Next-Cursor`")] = None,
) -> list[OrganisationSummaryOut]:
    """The directory of organisations, a page at a time: follow `Link: rel="next"` until it is absent.

    The operator sees every organisation (`kind` narrows). A member sees only the audit companies
    it can mandate now (on trial or accredited, not suspended), to choose one for an audit.
    """
    page, next_cursor = await handlers.directory(caller, kind, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [
        OrganisationSummaryOut(organisation_id=organisation.id, name=organisation.name, kind=organisation.kind,
                               factory_id=organisation.factory_id,
                               accreditation_status=organisation.accreditation_status,
                               registered_at=organisation.registered_at)
        for organisation in page
    ]


@router.get("/organisations/me", response_model=OrganisationOut, tags=["organisations"])
async def my_organisation(caller: CurrentPrincipal, handlers: Handlers) -> OrganisationOut:
    organisation = await handlers.organisation_of(caller)
    return OrganisationOut(**_organisation_out(organisation, handlers.accreditation_rules))


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut, tags=["organisations"])
async def organisation(organisation_id: str, caller: CurrentPrincipal, handlers: Handlers) -> OrganisationOut:
    organisation = await handlers.organisation(caller, organisation_id)
    return OrganisationOut(**_organisation_out(organisation, handlers.accreditation_rules))


@router.post(
    "/organisations/{organisation_id}/accreditation", response_model=OrganisationOut, tags=["organisations"]
)
async def decide_accreditation(
    organisation_id: str, body: DecideAccreditation, caller: CurrentPrincipal, handlers: Handlers
) -> OrganisationOut:
    """The operator's decision on an audit company: accredit (after the trial), suspend, or back to trial."""
    decided = await handlers.decide_accreditation(caller, organisation_id, body.status, body.reason)
    return OrganisationOut(**_organisation_out(decided, handlers.accreditation_rules))


@router.post("/accreditations/restatement", response_model=AccreditationRestatementOut, tags=["organisations"],
             responses=problems({401: "No valid bearer token", 403: "Not the operator (or a scoped machine client)"}))
async def restate_accreditations(caller: CurrentPrincipal, handlers: Handlers) -> AccreditationRestatementOut:
    """Publish every audit company's current accreditation again (`AuditCompanyAccreditationRestated`).

    Operators, once after upgrading a service that follows accreditation (audit-service refuses
    mandates to suspended companies): it learns the decisions made before it listened. Each
    restated state counts from the decision that set it, so a restatement never undoes a later
    decision and running it again changes nothing. Nobody is e-mailed.
    """
    restated, restated_at = await handlers.restate_accreditations(caller)
    return AccreditationRestatementOut(restated=restated, restated_at=restated_at)


@router.post("/organisations/{organisation_id}/trial-start", response_model=OrganisationOut,
             include_in_schema=False)
async def move_trial_start(
    organisation_id: str, body: MoveTrialStart, caller: CurrentPrincipal, handlers: Handlers
) -> OrganisationOut:
    """Let an audit company's trial begin on another day: operators, development only (404 otherwise)."""
    moved = await handlers.move_trial_start(caller, organisation_id, body.trial_started_at)
    return OrganisationOut(**_organisation_out(moved, handlers.accreditation_rules))
