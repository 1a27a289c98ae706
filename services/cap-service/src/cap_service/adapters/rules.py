"""Deadline rules shipped as data; the version is recorded on each CAP."""

from importlib import resources

from cap_service.domain.model import DeadlineRules

DEFAULT_DEADLINE_RULES = "deadlines-2026.1.json"


def load_deadline_rules(name: str = DEFAULT_DEADLINE_RULES) -> DeadlineRules:
    text = resources.files("cap_service.rules").joinpath(name).read_text(encoding="utf-8")
    return DeadlineRules.model_validate_json(text)
