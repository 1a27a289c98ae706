"""The registry's refusals; each maps to one HTTP problem through its category."""

from __future__ import annotations

from shared_audits.errors import ConflictError, DomainError, InvalidRequestError


class PossibleDuplicateError(ConflictError):
    """The new site looks like registered ones: confirm it is new, or link to one of them."""

    title = "Possible duplicate"

    def __init__(self, candidates: list[dict]) -> None:
        super().__init__(
            "the site looks like one already registered: link to a candidate, or send confirm_new: true"
        )
        self.extensions = {"candidates": candidates}


class DuplicateIdentifierError(ConflictError):
    title = "Duplicate identifier"

    def __init__(self, problems: list[dict], existing: list[dict]) -> None:
        super().__init__("an identifier is already registered to another site")
        self.extensions = {"errors": problems, "existing": existing}


class InvalidFieldsError(InvalidRequestError):
    """Values that pass the schema but break a rule; ``errors`` names each field."""

    def __init__(self, problems: list[dict]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.extensions = {"errors": problems}


class FactoryMergedError(DomainError):
    """The id was merged into another site; the HTTP edge answers with a redirect to the same path under it."""

    title = "Factory merged"
    status = 308

    def __init__(self, factory_id: str, surviving_factory_id: str) -> None:
        super().__init__(f"factory {factory_id} was merged into {surviving_factory_id}")
        self.factory_id = factory_id
        self.surviving_factory_id = surviving_factory_id
        self.extensions = {"merged_into": surviving_factory_id}


def field_problem(field: str, message: str, kind: str = "value_error") -> dict:
    return {"field": field, "message": message, "type": kind}
