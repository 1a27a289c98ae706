"""What an audit company's own recipients are told: a mandate, an overdue report, a change of accreditation."""

from datetime import UTC, date, datetime

from notifier.adapters.rules import load_notification_rules
from notifier.domain.channels import DeliveryStatus, Preference
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.envelope import EventPayload
from shared_audits.contracts.events import AuditCompanyAccreditationChanged, AuditMandated, AuditReportOverdue
from shared_audits.testing import audit_company, factory_account, member


def mandated(audit_company_id: str = "ac-1") -> AuditMandated:
    return AuditMandated(audit_id="a-1", factory_id="f-1", member_id="m-a", audit_company_id=audit_company_id,
                         audit_type="initial", scope="social", announcement="semi_announced",
                         window_starts_on=date(2026, 6, 1), window_ends_on=date(2026, 6, 30))


def suspended() -> AuditCompanyAccreditationChanged:
    return AuditCompanyAccreditationChanged(organisation_id="ac-1", status="suspended", previous_status="accredited",
                                            reason="Two reports copied from another audit",
                                            changed_at=datetime(2026, 5, 1, 8, tzinfo=UTC))


async def told(channels: ChannelHandlers, *events: EventPayload) -> None:
    batch = [(event, wrap(event, producer="test")) for event in events]
    await channels.enqueue_for_audit_companies(batch)
    await channels.enqueue_for_audit_companies(batch)  # a redelivery sends nothing twice
    await channels.dispatch_due()


def test_since_2026_4_an_audit_company_hears_of_its_mandates_overdue_reports_and_accreditation() -> None:
    rules = load_notification_rules("notifications-2026.4.json")
    assert rules.version == "2026.4"
    for event_type in ("AuditMandated", "AuditReportOverdue", "AuditCompanyAccreditationChanged"):
        assert rules.audit_company_email_mode(event_type, Preference.IMMEDIATE) == DeliveryStatus.PENDING
        assert rules.audit_company_email_mode(event_type, Preference.DAILY_DIGEST) == DeliveryStatus.DIGEST
        assert rules.audit_company_email_mode(event_type, Preference.OFF) is None
    assert rules.audit_company_email_mode("CapOpened", Preference.IMMEDIATE) is None
    earlier = load_notification_rules("notifications-2026.3.json")
    assert earlier.audit_company_emailed_event_types == []
    assert (rules.emailed_event_types, rules.factory_emailed_event_types) == (
        earlier.emailed_event_types, earlier.factory_emailed_event_types)


async def test_the_mandated_audit_company_is_told_in_its_users_language_and_no_other_company(
    channels: ChannelHandlers,
) -> None:
    await channels.register_recipient(audit_company("ac-1"), "Planning@Audit-One.example", "immediate")
    await channels.register_recipient(audit_company("ac-1"), "planification@audit-one.example", "immediate", "fr")
    await channels.register_recipient(audit_company("ac-2"), "planning@audit-two.example", "immediate")
    await channels.register_recipient(factory_account("f-1"), "quality@factory.example", "immediate")
    await channels.register_recipient(member("m-a"), "buyer@brand-a.example", "immediate")
    await told(channels, mandated())

    mails = {to: (subject, body) for to, subject, body in channels.mailer.sent}
    assert sorted(mails) == ["planification@audit-one.example", "planning@audit-one.example"]
    subject, body = mails["planning@audit-one.example"]
    assert subject == "[Shared audits] You are mandated for an initial audit at factory f-1"
    assert "Window: 2026-06-01 to 2026-06-30" in body and "{" not in body
    subject, body = mails["planification@audit-one.example"]
    assert subject.startswith("[Shared audits] Vous êtes mandaté pour un audit")
    assert "Fenêtre : du 2026-06-01 au 2026-06-30" in body
    logged = (await channels.delivery_log(audit_company("ac-1"), 10))[0]
    assert {(d.event_type, d.factory_id, d.status) for d in logged} == {("AuditMandated", "f-1", "delivered")}


async def test_an_audit_company_is_told_of_its_overdue_report_and_of_its_suspension(channels: ChannelHandlers) -> None:
    await channels.register_recipient(audit_company("ac-1"), "planning@audit-one.example", "immediate")
    await channels.register_recipient(audit_company("ac-1"), "direction@audit-one.example", "immediate", "fr")
    overdue = AuditReportOverdue(audit_id="a-1", factory_id="f-1", member_id="m-a", audit_company_id="ac-1",
                                 window_ends_on=date(2026, 4, 1), due_on=date(2026, 4, 15),
                                 timing_rules_version="2026.1")
    await told(channels, overdue, suspended())

    mails = {(to, subject): body for to, subject, body in channels.mailer.sent}
    assert len(mails) == 4
    body = mails["planning@audit-one.example", "[Shared audits] Audit report overdue: audit a-1 at factory f-1"]
    assert "was due on 2026-04-15" in body
    body = mails["planning@audit-one.example", "[Shared audits] Your accreditation is now: suspended"]
    assert "from accredited to suspended" in body and "Two reports copied from another audit" in body
    assert "takes no new mandates" in body
    assert ("direction@audit-one.example", "[Shared audits] Votre accréditation est désormais : suspendue") in mails


async def test_an_audit_company_recipient_who_chose_off_or_the_digest_is_not_mailed_at_once(
    channels: ChannelHandlers,
) -> None:
    await channels.register_recipient(audit_company("ac-1"), "off@audit-one.example", "off")
    await channels.register_recipient(audit_company("ac-1"), "digest@audit-one.example", "daily_digest")
    await told(channels, suspended())
    assert channels.mailer.sent == []
    [waiting] = channels.deliveries.items.values()
    assert (waiting.target, waiting.status, waiting.factory_id) == ("digest@audit-one.example", "digest", None)
