"""Callers of every kind for the unit tests, without tokens (``FakeTokenVerifier`` issues tokens for them)."""

from shared_audits.auth import Principal
from shared_audits.contracts.enums import OrganisationKind


def operator() -> Principal:
    return Principal("operator", "org-operator", OrganisationKind.OPERATOR, frozenset({"operator"}))


def member(organisation_id: str) -> Principal:
    return Principal(f"client-{organisation_id}", organisation_id, OrganisationKind.MEMBER, frozenset({"admin"}))


def factory_account(factory_id: str) -> Principal:
    return Principal(
        f"client-site-{factory_id}", f"org-site-{factory_id}", OrganisationKind.FACTORY, frozenset({"admin"}), factory_id
    )


def audit_company(organisation_id: str) -> Principal:
    return Principal(
        f"client-{organisation_id}", organisation_id, OrganisationKind.AUDIT_COMPANY, frozenset({"auditor"})
    )
