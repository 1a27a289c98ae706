"""Rule sets shipped as data with the service; the version is recorded on each report."""

from importlib import resources

from audit_service.domain.rating import RatingRules

DEFAULT_RATING_RULES = "rating-2026.1.json"


def load_rating_rules(name: str = DEFAULT_RATING_RULES) -> RatingRules:
    text = resources.files("audit_service.rules").joinpath(name).read_text(encoding="utf-8")
    return RatingRules.model_validate_json(text)
