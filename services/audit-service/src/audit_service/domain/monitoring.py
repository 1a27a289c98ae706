"""Shared monitoring rules: what raises an alert to every linked member."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from shared_audits.contracts.enums import FindingSeverity


class ZeroToleranceTopic(BaseModel):
    id: str
    title: str


class MonitoringRules(BaseModel):
    version: str
    description: str = ""
    alert_severities: list[FindingSeverity]
    zero_tolerance_topics: list[ZeroToleranceTopic]
    risk_min_factories_per_cell: int = Field(ge=1)
    # A rated "no" the auditor wrote no finding for still opens a CAP item, with this severity. Never an
    # alert severity: an alert takes a written finding (a critical "no" must have one), and the rating stays.
    unwritten_no_severity: FindingSeverity = FindingSeverity.MAJOR

    @model_validator(mode="after")
    def _unwritten_no_raises_no_alert(self) -> MonitoringRules:
        if self.unwritten_no_severity in self.alert_severities:
            raise ValueError("unwritten_no_severity must not be an alert severity")
        return self

    def topic_ids(self) -> set[str]:
        return {topic.id for topic in self.zero_tolerance_topics}

    def is_alert(self, severity: FindingSeverity, zero_tolerance_topic: str | None) -> bool:
        return FindingSeverity(severity) in self.alert_severities or zero_tolerance_topic is not None
