"""Handbook sampling sizes: how many workers to interview, files to review and auditor-days."""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from shared_audits.contracts.enums import AuditType


class SamplingBand(BaseModel):
    max_workers: int | None = Field(default=None, ge=1)  # None: no upper bound
    interviews: int = Field(ge=0)
    documents: int = Field(ge=0)
    auditor_days: float = Field(gt=0)


class SampleSize(BaseModel):
    workforce: int
    audit_type: AuditType
    interviews: int
    focus_group_interviews: int
    individual_interviews: int
    documents: int
    months_of_records_per_document: int
    auditor_days: float
    rule_set_version: str


class SamplingRules(BaseModel):
    version: str
    description: str = ""
    bands: list[SamplingBand]
    focus_group_share: float = Field(ge=0, le=1)
    months_of_records_per_document: int = Field(ge=1)
    follow_up_auditor_days: float = Field(gt=0)

    def required_for(self, workforce: int, audit_type: AuditType) -> SampleSize:
        """The sample an audit of a site with ``workforce`` workers must reach."""
        ordered = sorted(self.bands, key=lambda band: math.inf if band.max_workers is None else band.max_workers)
        band = next(b for b in ordered if b.max_workers is None or workforce <= b.max_workers)
        follow_up = AuditType(audit_type) == AuditType.FOLLOW_UP
        focus_group = round(band.interviews * self.focus_group_share)
        return SampleSize(
            workforce=workforce,
            audit_type=audit_type,
            interviews=band.interviews,
            focus_group_interviews=focus_group,
            individual_interviews=band.interviews - focus_group,
            documents=band.documents,
            months_of_records_per_document=self.months_of_records_per_document,
            auditor_days=self.follow_up_auditor_days if follow_up else band.auditor_days,
            rule_set_version=self.version,
        )
