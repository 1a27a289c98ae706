"""The notification rules are versioned data: which events are e-mailed, which go out whatever the preference."""

from notifier.adapters.rules import load_notification_rules
from notifier.domain.channels import DeliveryStatus, Preference


def test_an_overdue_report_is_e_mailed_as_the_recipient_prefers_since_2026_2() -> None:
    rules = load_notification_rules("notifications-2026.2.json")
    assert rules.version == "2026.2"
    assert rules.email_mode("AuditReportOverdue", Preference.IMMEDIATE) == DeliveryStatus.PENDING
    assert rules.email_mode("AuditReportOverdue", Preference.DAILY_DIGEST) == DeliveryStatus.DIGEST
    assert rules.email_mode("AuditReportOverdue", Preference.OFF) is None
    earlier = load_notification_rules("notifications-2026.1.json")
    assert set(rules.emailed_event_types) - set(earlier.emailed_event_types) == {"AuditReportOverdue"}


def test_since_2026_3_a_factory_hears_of_its_cap_opening_refused_evidence_and_a_deadline_a_week_away() -> None:
    rules = load_notification_rules("notifications-2026.3.json")
    assert rules.version == "2026.3"
    assert rules.deadline_reminder_days == 7
    for event_type in ("CapOpened", "CapItemRejected", "CapItemDeadlineNear"):
        assert rules.factory_email_mode(event_type, Preference.IMMEDIATE) == DeliveryStatus.PENDING
        assert rules.factory_email_mode(event_type, Preference.OFF) is None
    assert rules.factory_email_mode("CriticalFindingRaised", Preference.IMMEDIATE) is None  # members' business
    earlier = load_notification_rules("notifications-2026.2.json")
    assert earlier.factory_emailed_event_types == [] and earlier.deadline_reminder_days is None
    assert rules.emailed_event_types == earlier.emailed_event_types
