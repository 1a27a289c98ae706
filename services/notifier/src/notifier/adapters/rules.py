"""Notification rules shipped as data."""

from importlib import resources

from notifier.domain.channels import NotificationRules

DEFAULT_NOTIFICATION_RULES = "notifications-2026.5.json"


def load_notification_rules(name: str = DEFAULT_NOTIFICATION_RULES) -> NotificationRules:
    text = resources.files("notifier.rules").joinpath(name).read_text(encoding="utf-8")
    return NotificationRules.model_validate_json(text)
