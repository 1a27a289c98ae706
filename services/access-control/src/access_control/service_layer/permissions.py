"""Who may administer what; every handler asks here rather than reading roles itself."""

from shared_audits.auth import Principal
from shared_audits.contracts.enums import ClientScope
from shared_audits.errors import PermissionDeniedError


def is_unscoped(caller: Principal) -> bool:
    """Users and primary clients; a machine client always carries at least one scope."""
    return not caller.scopes


def may_administer(caller: Principal, organisation_id: str) -> bool:
    """The operator administers every organisation; an organisation's admins their own."""
    if not is_unscoped(caller):
        return False
    return caller.is_operator or (caller.organisation_id == organisation_id and "admin" in caller.roles)


def require_operator(caller: Principal, action: str) -> None:
    if not (caller.is_operator and is_unscoped(caller)):
        raise PermissionDeniedError(f"only the platform operator {action}")


def require_scope(caller: Principal, scope: ClientScope) -> None:
    """A machine client acts only within its scopes; users and primary clients by their roles."""
    if caller.scopes and scope.value not in caller.scopes:
        raise PermissionDeniedError(f"this client lacks the scope {scope.value}")
