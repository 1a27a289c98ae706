"""The Factory Profile: what a site declares before an audit, one kept version per submission."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from factory_registry.domain.errors import field_problem
from factory_registry.domain.model import Factory
from factory_registry.domain.rules import RegistryRules
from factory_registry.domain.values import ShortText, Text, Value
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import FactoryProfileSubmitted

Count = Annotated[int, Field(ge=0)]


class Workforce(Value):
    """Head counts on the day of submission; the breakdowns must add up."""

    female: Count
    male: Count
    other_gender: Count = 0
    permanent: Count
    temporary: Count
    migrant: Count = 0
    under_18: Count = Field(default=0, description="young workers (under 18)")

    @property
    def total(self) -> int:
        return self.female + self.male + self.other_gender

    @model_validator(mode="after")
    def _consistent(self) -> Workforce:
        if self.permanent + self.temporary != self.total:
            raise ValueError(
                f"permanent + temporary ({self.permanent + self.temporary}) must equal the total by gender "
                f"({self.total})"
            )
        for part in ("migrant", "under_18"):
            if getattr(self, part) > self.total:
                raise ValueError(f"{part} ({getattr(self, part)}) cannot exceed the total workforce ({self.total})")
        return self


class BuildingUse(StrEnum):
    PRODUCTION = "production"
    WAREHOUSE = "warehouse"
    OFFICE = "office"
    DORMITORY = "dormitory"
    CANTEEN = "canteen"
    OTHER = "other"


class Building(Value):
    name: ShortText
    use: BuildingUse
    floors: int = Field(ge=1, le=200)
    year_built: int | None = Field(default=None, ge=1800, le=2100)


class Dormitories(Value):
    provided: bool
    buildings: Count = 0
    residents: Count = 0

    @model_validator(mode="after")
    def _consistent(self) -> Dormitories:
        if not self.provided and (self.buildings or self.residents):
            raise ValueError("no dormitories provided, yet buildings or residents are given")
        return self


class Certification(Value):
    scheme: ShortText = Field(examples=["ISO 14001", "OEKO-TEX STeP"])
    certificate_number: Annotated[str, Field(max_length=100)] | None = None
    issued_on: date | None = None
    expires_on: date

    @model_validator(mode="after")
    def _dates(self) -> Certification:
        if self.issued_on and self.expires_on <= self.issued_on:
            raise ValueError("expires_on must be after issued_on")
        return self

    def expired_on(self, today: date) -> bool:
        return self.expires_on < today


class ProcessKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class ProductionProcess(Value):
    name: Text = Field(examples=["cutting", "screen printing"])
    kind: ProcessKind
    subcontractor_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="the registered site doing an external process"
    )

    @model_validator(mode="after")
    def _subcontractor_for_external_only(self) -> ProductionProcess:
        if self.kind == ProcessKind.EXTERNAL and not self.subcontractor_id:
            raise ValueError("an external process names its subcontractor_id")
        if self.kind == ProcessKind.INTERNAL and self.subcontractor_id:
            raise ValueError("an internal process has no subcontractor_id")
        return self


class ProfileContent(Value):
    workforce: Workforce | None = None
    buildings: list[Building] = Field(default_factory=list, max_length=100)
    dormitories: Dormitories | None = None
    certifications: list[Certification] = Field(default_factory=list, max_length=50)
    processes: list[ProductionProcess] = Field(default_factory=list, max_length=100)

    def subcontractor_ids(self) -> list[str]:
        return sorted({p.subcontractor_id for p in self.processes if p.subcontractor_id})


def rule_problems(content: ProfileContent, rules: RegistryRules) -> list[dict]:
    """Numbers the schema accepts but the rules call absurd."""
    problems = []
    limits = rules.workforce
    if content.workforce and content.workforce.total > limits.max_workers:
        problems.append(field_problem(
            "body.workforce", f"a total of {content.workforce.total} workers exceeds {limits.max_workers}"
        ))
    if content.dormitories and content.dormitories.residents > limits.max_dormitory_residents:
        problems.append(field_problem(
            "body.dormitories.residents", f"more than {limits.max_dormitory_residents} residents"
        ))
    return problems


def completeness(site: Factory, content: ProfileContent, weights: dict[str, int]) -> int:
    """Share (0-100) of the weighted sections that are filled in, site details included."""
    filled = {
        "legal_name": bool(site.legal_name),
        "address": bool(site.address),
        "coordinates": site.coordinates is not None,
        "sector": bool(site.sector),
        "product_types": bool(site.product_types),
        "identifiers": not site.identifiers.is_empty(),
        "contact": site.contact is not None,
        "workforce": content.workforce is not None,
        "buildings": bool(content.buildings),
        "dormitories": content.dormitories is not None,
        "certifications": bool(content.certifications),
        "processes": bool(content.processes),
    }
    total = sum(weights.values())
    if not total:
        return 0
    return round(100 * sum(w for section, w in weights.items() if filled.get(section)) / total)


def profile_id(factory_id: str, profile_version: int) -> str:
    # Zero-padded so that ids sort by version; a second insert of one version is a conflict.
    return f"{factory_id}:v{profile_version:06d}"


class FactoryProfile(Aggregate):
    """One submitted version; never changed afterwards. The highest version is current."""

    factory_id: str
    profile_version: int
    content: ProfileContent
    subcontractor_ids: list[str] = Field(default_factory=list)
    completeness: int
    rules_version: str
    submitted_by: str
    submitted_at: datetime

    def names_subcontractor(self, site_id: str) -> bool:
        return site_id in self.subcontractor_ids

    def processes_done_by(self, subcontractor_id: str) -> list[str]:
        """The external processes this version gives to one subcontractor."""
        return [p.name for p in self.content.processes if p.subcontractor_id == subcontractor_id]

    @classmethod
    def submit(
        cls,
        site: Factory,
        profile_version: int,
        content: ProfileContent,
        rules: RegistryRules,
        submitted_by: str,
        now: datetime,
    ) -> FactoryProfile:
        score = completeness(site, content, rules.completeness_weights)
        profile = cls(
            id=profile_id(site.id, profile_version),
            factory_id=site.id,
            profile_version=profile_version,
            content=content,
            subcontractor_ids=content.subcontractor_ids(),
            completeness=score,
            rules_version=rules.version,
            submitted_by=submitted_by,
            submitted_at=now,
        )
        workforce_total = content.workforce.total if content.workforce else 0
        profile.record(FactoryProfileSubmitted(
            factory_id=site.id,
            profile_version=profile_version,
            workforce_total=workforce_total,
            completeness=score,
        ))
        return profile
