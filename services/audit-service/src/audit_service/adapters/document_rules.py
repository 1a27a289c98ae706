"""The rule set of the documents the auditor reviews, shipped as data beside the others."""

from functools import cache
from importlib import resources

from audit_service.domain.handbook import DocumentRules

DEFAULT_DOCUMENT_RULES = "documents-2026.1.json"


@cache
def load_document_rules(name: str = DEFAULT_DOCUMENT_RULES) -> DocumentRules:
    text = resources.files("audit_service.rules").joinpath(name).read_text(encoding="utf-8")
    return DocumentRules.model_validate_json(text)
