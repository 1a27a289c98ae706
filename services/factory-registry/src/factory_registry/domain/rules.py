"""Registry rules as data (versioned JSON under ``rules/``); the version applied is recorded."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DuplicateRules(_Rules):
    name_weight: float = Field(ge=0, le=1)
    address_weight: float = Field(ge=0, le=1)
    min_score: float = Field(ge=0, le=100)
    max_distance_m: float = Field(ge=0)
    max_candidates: int = Field(ge=1, le=50)
    ignored_words: frozenset[str] = frozenset()


class SearchRules(_Rules):
    min_name_score: float = Field(ge=0, le=100)
    max_results: int = Field(ge=1, le=500)


class WorkforceRules(_Rules):
    max_workers: int = Field(ge=1)
    max_dormitory_residents: int = Field(ge=0)


class RegistryRules(_Rules):
    version: str
    description: str = ""
    duplicates: DuplicateRules
    search: SearchRules
    workforce: WorkforceRules
    completeness_weights: dict[str, int]
