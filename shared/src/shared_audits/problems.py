"""The problem+json answers every service documents in its OpenAPI document.

shared_audits.http writes every such answer in one place; this only describes them:
``problems(...)`` for a route's own descriptions, and ``declare_problem_answers``
for the answers any route can give (401/403 behind a token, 404 when the request names something,
422 with parameters or a body, 409/400 on a change, 413 on an upload, and on every
route 429 from the gateway's rate limit and 503 when the database is away).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared_audits.http import PROBLEM_MEDIA_TYPE


class FieldProblem(BaseModel):
    """One thing wrong with one field of a request."""

    field: str = Field(examples=["body.name"], description="where: the part and path of the field, dot-separated")
    message: str
    type: str = Field(examples=["missing", "value_error"])


class ProblemOut(BaseModel):
    """An RFC 9457 problem body."""

    type: str = Field(examples=["urn:shared-audits:problem:permission-denied"])
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(
        default=None, description="422 only, when fields are in error: one entry per field"
    )


_REF = "#/components/schemas/"
_PROBLEM_SCHEMA = {"$ref": f"{_REF}ProblemOut"}
_CHANGES = {"post", "put", "patch", "delete"}
_METHODS = _CHANGES | {"get", "head", "options", "trace"}
_UPLOADS = {"multipart/form-data", "application/octet-stream"}


def _content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_SCHEMA}}


def problems(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given statuses, each a problem+json body."""
    return {status: {"description": description, "content": _content()} for status, description in descriptions.items()}


def _answers_of(path: str, method: str, operation: dict[str, Any]) -> dict[int, str]:
    """The problem answers a route can give, from what its operation declares."""
    answers = {
        429: "Too many requests: the gateway's rate limit; slow down and retry",
        503: "The database or the service is not reachable; try again shortly",
    }
    if operation.get("security"):
        answers |= {401: "No valid bearer token", 403: "The caller may not do this"}
    if operation.get("parameters") or operation.get("requestBody"):
        # A path id, a query filter or a body may name something absent or hidden.
        answers[404] = "Something the request names is not found, or not visible to the caller"
        answers[422] = "The request does not fit: every field in error is listed"
    if method in _CHANGES:
        answers |= {400: "The request is refused", 409: "The change conflicts with the current state"}
    if _UPLOADS & set(operation.get("requestBody", {}).get("content", {})):
        answers[413] = "The file is larger than allowed"
    return answers


def document_problem_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare, on every operation of an OpenAPI document, the problem answers it can give.

    A route's own description of a status is kept; every problem status gets the
    problem+json body (FastAPI's default 422 schema is not what the service answers).
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    definition = ProblemOut.model_json_schema(ref_template=f"{_REF}{{model}}")
    components.update(definition.pop("$defs", {}))
    components["ProblemOut"] = definition
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _answers_of(path, method, operation).items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    if int(status) == 422 and response.get("description") == "Validation Error":
                        response["description"] = _answers_of(path, method, operation).get(422, "Invalid request")
                    response["content"] = _content()
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def declare_problem_answers(app: FastAPI) -> None:
    """Make the app's OpenAPI document declare the problem answers of every route (built once)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problem_answers(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
