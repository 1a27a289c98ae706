"""Rule sets shipped as data with the service; the versions applied are recorded on each report."""

from importlib import resources

from pydantic import BaseModel

from audit_service.adapters.document_rules import load_document_rules
from audit_service.domain.monitoring import MonitoringRules
from audit_service.domain.questionnaire import Questionnaire
from audit_service.domain.rating import RatingRules
from audit_service.domain.rules import RuleBook
from audit_service.domain.sampling import SamplingRules
from audit_service.domain.timing import TimingRules

DEFAULT_RATING_RULES = "rating-2026.1.json"
DEFAULT_FILES = {
    "rating": DEFAULT_RATING_RULES,
    "questionnaire": "questionnaire-2026.1.json",
    "sampling": "sampling-2026.1.json",
    "timing": "timing-2026.1.json",
    "monitoring": "monitoring-2026.1.json",
}


def _load(model: type[BaseModel], name: str):
    text = resources.files("audit_service.rules").joinpath(name).read_text(encoding="utf-8")
    return model.model_validate_json(text)


def load_rating_rules(name: str = DEFAULT_RATING_RULES) -> RatingRules:
    return _load(RatingRules, name)


def load_rule_book(files: dict[str, str] | None = None) -> RuleBook:
    """The rule sets named in ``files`` (kind -> file under rules/), defaults for the rest."""
    chosen = {**DEFAULT_FILES, **(files or {})}
    return RuleBook(
        rating=_load(RatingRules, chosen["rating"]),
        questionnaire=_load(Questionnaire, chosen["questionnaire"]),
        sampling=_load(SamplingRules, chosen["sampling"]),
        timing=_load(TimingRules, chosen["timing"]),
        monitoring=_load(MonitoringRules, chosen["monitoring"]),
    )


def shipped_rule_sets() -> dict[str, BaseModel]:
    """The rule sets shipped with the service, by kind: the first versions stored (seeds)."""
    book = load_rule_book()
    return {"rating": book.rating, "questionnaire": book.questionnaire, "sampling": book.sampling,
            "timing": book.timing, "monitoring": book.monitoring, "documents": load_document_rules()}
