"""access-control's newer contracts: keys that keep order, and the scopes a token's principal carries."""

from shared_audits.auth import principal_from_claims
from shared_audits.contracts import decode, wrap
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    CodeOfConductPublished,
    CodeOfConductSigned,
    OrganisationRegistered,
    UserInvited,
)

AT = "2026-01-01T00:00:00Z"


def test_a_factorys_signature_is_keyed_by_the_factory_and_others_by_organisation() -> None:
    by_site = CodeOfConductSigned(organisation_id="o-1", code_version="2026.1", signed_by="u-1", signed_at=AT,
                                  factory_id="f-1")
    by_brand = CodeOfConductSigned(organisation_id="o-2", code_version="2026.1", signed_by="u-2", signed_at=AT)
    assert wrap(by_site, producer="access-control").key == "f-1"
    assert wrap(by_brand, producer="access-control").key == "o-2"


def test_new_access_events_round_trip_with_their_keys() -> None:
    events = [
        (CodeOfConductPublished(code_version="2026.1", title="Code", content_sha256="0" * 64, published_at=AT),
         "code-of-conduct"),
        (UserInvited(user_id="u-1", organisation_id="o-1", organisation_name="Brand", email="a@b.example.org",
                     roles=["admin"], invited_by="client-1", acceptance_token="t", expires_at=AT), "o-1"),
        (AuditCompanyAccreditationChanged(organisation_id="o-3", status="suspended", previous_status="trial",
                                          reason="r", changed_at=AT), "o-3"),
    ]
    for event, key in events:
        envelope = wrap(event, producer="access-control")
        assert envelope.key == key and decode(envelope) == event


def test_the_trial_end_is_optional_so_events_of_older_producers_still_decode() -> None:
    older = wrap(AuditCompanyAccreditationChanged(organisation_id="o-3", status="suspended", previous_status="trial",
                                                  reason="r", changed_at=AT), producer="access-control")
    assert decode(older).trial_ends_at is None
    registered = OrganisationRegistered(organisation_id="o-3", name="Audit Co", kind="audit_company",
                                        trial_ends_at="2027-01-01T00:00:00Z")
    assert decode(wrap(registered, producer="access-control")).trial_ends_at.year == 2027


def test_a_machine_clients_scopes_reach_the_principal() -> None:
    claims = {"sub": "client-1", "org": "o-1", "org_kind": "member", "roles": [], "scope": "links:read caps:read"}
    assert principal_from_claims(claims).scopes == {"links:read", "caps:read"}
    del claims["scope"]
    assert principal_from_claims(claims).scopes == frozenset()
