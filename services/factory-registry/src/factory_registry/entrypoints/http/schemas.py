"""Request and response bodies of factory-registry; requests refuse unknown fields and bound every value."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from factory_registry.domain.model import SiteDetails
from factory_registry.domain.profile import (
    Building,
    Certification,
    Dormitories,
    ProductionProcess,
    ProfileContent,
    Workforce,
)
from factory_registry.domain.values import (
    Contact,
    Coordinates,
    CountryCode,
    Identifiers,
    LongText,
    NumberOfWorkers,
    NumberOfWorkersIn,
    ShortText,
    Text,
)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterFactory(Request):
    name: Text = Field(description="As written, in any script (华丽服装厂, সুরমা গার্মেন্টস, İpek Tekstil): kept as given; "
                                   "duplicates and search read it as written and transliterated")
    country: CountryCode
    city: ShortText | None = None
    address: LongText | None = None
    legal_name: Text | None = None
    coordinates: Coordinates | None = None
    sector: ShortText | None = Field(default=None, examples=["apparel"], description="The main sector (first of `sectors`)")
    sectors: list[ShortText] = Field(default_factory=list, max_length=20, examples=[["Apparel", "Textiles"]],
                                     description="Every sector, as Open Supply Hub lists them")
    product_types: list[ShortText] = Field(default_factory=list, max_length=50)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    contact: Contact | None = None
    number_of_workers: NumberOfWorkersIn | None = None
    location_type: ShortText | None = Field(default=None, examples=["Final Product Assembly"],
                                            description="Open Supply Hub's location type")
    processing_type: list[ShortText] = Field(default_factory=list, max_length=30, examples=[["Cutting", "Sewing"]],
                                             description="Open Supply Hub's processing types")
    confirm_new: bool = Field(
        default=False, description="register even though it looks like a known site (after a 409 with candidates)"
    )

    @field_validator("number_of_workers")
    @classmethod
    def _workers_in_range(cls, value: object) -> NumberOfWorkers | None:
        """A number or a range, read here so a range out of bounds is a 422 naming the field."""
        if value is None:
            return None
        try:
            return NumberOfWorkers.model_validate(value)
        except ValidationError as error:
            raise ValueError("; ".join(e["msg"] for e in error.errors())) from None

    def details(self) -> SiteDetails:
        return SiteDetails(**self.model_dump(exclude={"confirm_new", "merge_into", "factory_id"}))


class ImportedFactory(RegisterFactory):
    factory_id: str = Field(min_length=1, max_length=64, description="the site's id, kept from the system it comes from")
    confirm_new: bool = Field(
        default=False, description="import it even though it looks like another site (a record held for review)")
    merge_into: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="the record is this registered site (or a record imported earlier in the request): it is kept, "
                    "merged into it, and its id redirects there (a record held for review)")


class ImportFactories(Request):
    factories: list[ImportedFactory] = Field(min_length=1, max_length=1000)


class ImportCandidateOut(BaseModel):
    factory_id: str
    name: str
    city: str | None
    country: str
    identifiers: Identifiers
    score: float = Field(description="The duplicate rule's score (0-100)")
    matched_on: list[str] = Field(description="`identifiers`, `name_address`, `coordinates`")
    in_file: bool = Field(description="An earlier record of this request, not a registered site")


class HeldRecordOut(BaseModel):
    factory_id: str
    name: str
    candidates: list[ImportCandidateOut] = Field(description="The sites it looks like, best first")


class FactoryImportOut(BaseModel):
    imported: int
    already_imported: int = Field(description="Records whose id is registered: a re-run")
    merged: int = Field(0, description="Records imported merged into the site named by their `merge_into`")
    rejected: list[dict[str, str]] = Field(description="Records refused, each with its `factory_id` and `detail`")
    proposed_duplicates: list[HeldRecordOut] = Field(
        default_factory=list,
        description="Records held for review, NOT imported: each looks like a registered site or an earlier "
                    "record of the file. Send them again with `confirm_new: true` (a new site) or "
                    "`merge_into: <factory_id>` (the same site)")


class MergeFactories(Request):
    merged_factory_id: Annotated[str, Field(min_length=1, max_length=64)]
    surviving_factory_id: Annotated[str, Field(min_length=1, max_length=64)]


class SubmitProfile(Request):
    workforce: Workforce | None = None
    buildings: list[Building] = Field(default_factory=list, max_length=100)
    dormitories: Dormitories | None = None
    certifications: list[Certification] = Field(default_factory=list, max_length=50)
    processes: list[ProductionProcess] = Field(default_factory=list, max_length=100)

    def content(self) -> ProfileContent:
        return ProfileContent(**self.model_dump())


class SiteCard(BaseModel):
    """All that search, duplicate candidates and the supply-chain map show of a site."""

    factory_id: str
    name: str
    city: str | None
    country: str
    identifiers: Identifiers


class SearchResult(SiteCard):
    score: float


class FactoryOut(BaseModel):
    factory_id: str
    name: str
    legal_name: str | None
    country: str
    city: str | None
    address: str | None
    coordinates: Coordinates | None
    sector: str | None
    sectors: list[str]
    product_types: list[str]
    identifiers: Identifiers
    contact: Contact | None
    number_of_workers: NumberOfWorkers | None
    location_type: str | None
    processing_type: list[str]
    registered_at: datetime
    merged_into: str | None = None


class DuplicateSiteOut(BaseModel):
    factory_id: str
    name: str
    legal_name: str | None
    address: str | None
    city: str | None
    country: str
    coordinates: Coordinates | None
    identifiers: Identifiers
    registered_at: datetime


class DuplicatePairOut(BaseModel):
    score: float = Field(description="The registration check's score (0-100): identifiers, name and address, "
                                     "coordinates together")
    matched_on: list[str] = Field(description="`identifiers`, `name_address`, `coordinates`")
    first: DuplicateSiteOut = Field(description="The site registered earlier")
    second: DuplicateSiteOut


class DuplicatesOut(BaseModel):
    country: str | None = Field(description="The country asked for; None: every country, each on its own")
    rules_version: str
    pairs: list[DuplicatePairOut] = Field(description="The best pairs first, at most `limit`")
    total_pairs: int = Field(description="How many pairs were found among the sites compared")
    truncated: bool = Field(description="More pairs were found than `limit`")
    sites_compared: int
    complete: bool = Field(description="False: more active sites than one request compares (5,000); "
                                       "ask country by country")


class MergeOut(BaseModel):
    merged_factory_id: str
    surviving_factory_id: str
    merged_at: datetime


class CertificationOut(Certification):
    expired: bool


class ProfileOut(BaseModel):
    factory_id: str
    profile_version: int
    submitted_at: datetime
    completeness: int
    rules_version: str
    workforce_total: int | None
    workforce: Workforce | None
    buildings: list[Building]
    dormitories: Dormitories | None
    certifications: list[CertificationOut]
    processes: list[ProductionProcess]


class ProfileVersionOut(BaseModel):
    profile_version: int
    submitted_at: datetime
    completeness: int


class SupplyChainEntry(BaseModel):
    site: SiteCard
    processes: list[str] | None = Field(description="absent when the caller may not see the other site's profile")


class SupplyChainOut(BaseModel):
    factory_id: str
    direction: str
    sites: list[SupplyChainEntry]


