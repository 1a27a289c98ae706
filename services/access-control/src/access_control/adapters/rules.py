"""Accreditation rules shipped as data; the version is recorded on each decision."""

from importlib import resources

from access_control.domain.accreditation import AccreditationRules

DEFAULT_ACCREDITATION_RULES = "accreditation-2026.1.json"


def load_accreditation_rules(name: str = DEFAULT_ACCREDITATION_RULES) -> AccreditationRules:
    text = resources.files("access_control.rules").joinpath(name).read_text(encoding="utf-8")
    return AccreditationRules.model_validate_json(text)
