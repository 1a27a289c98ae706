"""Event contracts: strict payloads, one registry of types, the outbox entry shape."""

import pytest
from pydantic import ValidationError

from shared_audits.contracts import EVENT_TYPES, UnknownEventError, decode, wrap
from shared_audits.contracts.events import AuditReportOverdue, CapItemAccepted, FactoryLinked, OrganisationRegistered
from shared_audits.outbox import outbox_entries


def test_every_event_type_is_registered_once_with_its_topic() -> None:
    assert len(EVENT_TYPES) == len({cls.TYPE for cls in EVENT_TYPES.values()})
    assert all(cls.TOPIC.name.startswith("ics.") for cls in EVENT_TYPES.values())


def test_payloads_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        OrganisationRegistered(organisation_id="o", name="n", kind="member", surprise=1)


def test_an_envelope_is_keyed_by_factory_and_decodes_back() -> None:
    event = FactoryLinked(member_id="m", factory_id="f", relationship="supplier", linked_at="2026-01-01T00:00:00Z")
    envelope = wrap(event, producer="access-control", correlation_id="c-1")
    assert envelope.key == "f" and envelope.type == "FactoryLinked" and envelope.version == 1
    assert decode(envelope) == event


def test_an_overdue_report_is_keyed_by_its_factory_and_names_both_parties() -> None:
    event = AuditReportOverdue(audit_id="a", factory_id="f", member_id="m", audit_company_id="ac",
                               window_ends_on="2026-12-15", due_on="2026-12-30", timing_rules_version="2026.1")
    envelope = wrap(event, producer="audit-service")
    assert envelope.key == "f" and envelope.payload["member_id"] == "m" and decode(envelope) == event


def test_organisation_events_are_keyed_by_organisation() -> None:
    event = OrganisationRegistered(organisation_id="o-1", name="Brand", kind="member")
    assert wrap(event, producer="access-control").key == "o-1"


def test_an_unknown_version_is_named_in_the_error() -> None:
    envelope = wrap(OrganisationRegistered(organisation_id="o", name="n", kind="member"), producer="p")
    with pytest.raises(UnknownEventError, match="OrganisationRegistered v2"):
        decode(envelope.model_copy(update={"version": 2}))


def test_outbox_entries_carry_topic_envelope_and_event_id() -> None:
    event = CapItemAccepted(
        cap_id="c", item_id="i", factory_id="f", member_id="m", decided_by="u",
        decided_at="2026-01-01T00:00:00Z", progress={"items_closed": 1, "items_total": 2},
    )
    [entry] = outbox_entries([event], producer="cap-service")
    assert entry["topic"] == "ics.cap.v1"
    assert entry["event_id"] == entry["envelope"]["event_id"]
    assert entry["envelope"]["payload"]["progress"] == {"items_closed": 1, "items_total": 2}


def test_a_scoped_client_acts_only_within_its_scopes_and_users_by_their_roles() -> None:
    from shared_audits.auth import Principal
    from shared_audits.contracts.enums import ClientScope, OrganisationKind
    from shared_audits.errors import PermissionDeniedError
    from shared_audits.http import ServiceScopes

    caps = ServiceScopes(read=ClientScope.CAPS_READ, write=ClientScope.CAPS_WRITE)
    reader = Principal("c", "m", OrganisationKind.MEMBER, scopes=frozenset({"caps:read"}))
    caps.check(reader, "GET")
    with pytest.raises(PermissionDeniedError, match="caps:write"):
        caps.check(reader, "POST")
    caps.check(Principal("u", "m", OrganisationKind.MEMBER), "POST")  # no scopes: roles decide
    with pytest.raises(PermissionDeniedError):
        ServiceScopes(read=ClientScope.FEED_READ).check(
            Principal("c", "m", OrganisationKind.MEMBER, scopes=frozenset({"feed:read"})), "PUT"
        )
