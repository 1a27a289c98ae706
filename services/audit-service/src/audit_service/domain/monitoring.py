"""Shared monitoring rules: what raises an alert to every linked member."""

from __future__ import annotations

from pydantic import BaseModel, Field

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

    def topic_ids(self) -> set[str]:
        return {topic.id for topic in self.zero_tolerance_topics}

    def is_alert(self, severity: FindingSeverity, zero_tolerance_topic: str | None) -> bool:
        return FindingSeverity(severity) in self.alert_severities or zero_tolerance_topic is not None
