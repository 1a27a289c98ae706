"""The problem+json answers a route documents in its OpenAPI ``responses``, for every service.

shared_audits.http writes every such answer in one place; this only describes them.
"""

from typing import Any

from pydantic import BaseModel, Field

from shared_audits.http import PROBLEM_MEDIA_TYPE


class ProblemOut(BaseModel):
    """An RFC 9457 problem body."""

    type: str = Field(examples=["urn:shared-audits:problem:permission-denied"])
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = Field(
        default=None, description="422 only: one entry per field (`field`, `message`, `type`)"
    )


_SCHEMA = ProblemOut.model_json_schema()


def problems(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given statuses, each a problem+json body."""
    return {status: {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _SCHEMA}}}
            for status, description in descriptions.items()}
