"""HTTP routes of member groups: the operator publishes them, a member reads its own. Translate only."""

from fastapi import APIRouter, Response

from access_control.entrypoints.http.deps import Groups
from shared_audits.problems import problems
from access_control.entrypoints.http.schemas import GroupMemberOut, MemberGroupOut, PublishMemberGroup
from access_control.service_layer.member_groups import MemberGroupView
from shared_audits.auth import Principal
from shared_audits.http import CurrentPrincipal

router = APIRouter(prefix="/member-groups", tags=["member groups"])

OPERATOR_ONLY = {401: "No valid bearer token", 403: "Not the operator"}
REFUSED = {422: "A bad body, or a member id that is no member organisation (one entry per field in `errors`)"}
NOT_FOUND = {404: "No such member group (or it was dissolved)"}


def _out(view: MemberGroupView, caller: Principal) -> MemberGroupOut:
    group = view.group
    return MemberGroupOut(
        group_id=group.id, name=group.name, published_at=group.published_at,
        members=[GroupMemberOut(member_id=member_id, name=view.member_names.get(member_id))
                 for member_id in group.member_ids],
        agreement=group.agreement_for(caller),
    )


@router.post("", response_model=MemberGroupOut, status_code=201, responses=problems({**OPERATOR_ONLY, **REFUSED}))
async def form(body: PublishMemberGroup, caller: CurrentPrincipal, groups: Groups) -> MemberGroupOut:
    """The operator publishes a group of members that agreed to see each other's names.

    Elsewhere a member sees another member as `linked-member`: in audits, CAP decisions and its feed.
    Every service follows the group within moments (MemberGroupPublished); no restart.
    """
    return _out(await groups.form(caller, body.name, body.member_ids, body.agreement), caller)


@router.put("/{group_id}", response_model=MemberGroupOut,
            responses=problems({**OPERATOR_ONLY, **NOT_FOUND, **REFUSED}))
async def change(group_id: str, body: PublishMemberGroup, caller: CurrentPrincipal, groups: Groups) -> MemberGroupOut:
    """The operator publishes the group again: the members listed now replace the earlier ones."""
    return _out(await groups.change(caller, group_id, body.name, body.member_ids, body.agreement), caller)


@router.delete("/{group_id}", status_code=204, response_class=Response,
               responses=problems({**OPERATOR_ONLY, **NOT_FOUND}))
async def dissolve(group_id: str, caller: CurrentPrincipal, groups: Groups) -> Response:
    """The operator dissolves a group: its members see each other as `linked-member` again."""
    await groups.dissolve(caller, group_id)
    return Response(status_code=204)


@router.get("", response_model=list[MemberGroupOut],
            responses=problems({401: "No valid bearer token",
                                403: "Neither the operator nor a member (nor a member's client with links:read)"}))
async def groups_seen(caller: CurrentPrincipal, groups: Groups) -> list[MemberGroupOut]:
    """The operator: every group. A member: the groups it is in, with their members' names."""
    return [_out(view, caller) for view in await groups.groups_seen_by(caller)]
