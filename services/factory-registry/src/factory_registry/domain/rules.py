"""Registry rules as data (versioned JSON under ``rules/``); the version applied is recorded."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DuplicateRules(_Rules):
    """When two sites are one: names (in any script), addresses, coordinates and identifiers together.

    The score is the weighted name and address similarity, raised by a shared identifier or a spot
    within ``max_distance_m``, lowered by a distance beyond ``far_distance_m`` or another city; a pair
    at or above ``min_score`` is proposed. The glossaries (generic words per concept, address words)
    make a name's translations and abbreviations read alike; "" as a concept drops the words.
    """

    name_weight: float = Field(ge=0, le=1)
    address_weight: float = Field(ge=0, le=1)
    min_score: float = Field(ge=0, le=100)
    max_distance_m: float = Field(ge=0)
    far_distance_m: float = Field(default=2_000, ge=0)
    far_penalty: float = Field(default=30, ge=0, le=100)
    near_bonus: float = Field(default=10, ge=0, le=100)
    other_city_penalty: float = Field(default=30, ge=0, le=100)
    same_spot_min_name_score: float = Field(default=60, ge=0, le=100)
    max_candidates: int = Field(ge=1, le=50)
    ignored_words: tuple[str, ...] = ()
    generic_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    address_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)


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
