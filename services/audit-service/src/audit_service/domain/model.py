"""Audits: mandated by a member, performed by an audit company, published with a rating."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from audit_service.domain.rating import RatingRules
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import (
    Announcement,
    AuditScope,
    AuditType,
    FindingSeverity,
    RatingLetter,
)
from shared_audits.contracts.events import (
    AuditMandated,
    AuditReportPublished,
    CriticalFindingRaised,
    PublishedFinding,
)
from shared_audits.errors import ConflictError


class AuditStatus(StrEnum):
    MANDATED = "mandated"
    REPORT_PUBLISHED = "report_published"


class Finding(BaseModel):
    finding_id: str
    chapter: str
    severity: FindingSeverity
    description: str
    recommended_action: str


class Report(BaseModel):
    compliance_percentage: float
    letter: RatingLetter
    rule_set_version: str
    findings: list[Finding]
    published_at: datetime


class NewFinding(BaseModel):
    chapter: str
    severity: FindingSeverity
    description: str
    recommended_action: str


class Audit(Aggregate):
    factory_id: str
    member_id: str
    audit_company_id: str
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement
    status: AuditStatus
    mandated_at: datetime
    report: Report | None = None

    @classmethod
    def mandate(
        cls,
        factory_id: str,
        member_id: str,
        audit_company_id: str,
        audit_type: AuditType,
        scope: AuditScope,
        announcement: Announcement,
        now: datetime,
    ) -> Audit:
        audit = cls(
            id=str(uuid.uuid4()),
            factory_id=factory_id,
            member_id=member_id,
            audit_company_id=audit_company_id,
            audit_type=audit_type,
            scope=scope,
            announcement=announcement,
            status=AuditStatus.MANDATED,
            mandated_at=now,
        )
        audit.record(
            AuditMandated(
                audit_id=audit.id,
                factory_id=factory_id,
                member_id=member_id,
                audit_company_id=audit_company_id,
                audit_type=audit_type,
                scope=scope,
                announcement=announcement,
            )
        )
        return audit

    def publish_report(
        self, compliance_percentage: float, findings: list[NewFinding], rules: RatingRules, now: datetime
    ) -> Report:
        if self.status is not AuditStatus.MANDATED:
            raise ConflictError("the report of this audit is already published")
        recorded = [Finding(finding_id=str(uuid.uuid4()), **finding.model_dump()) for finding in findings]
        has_alert = any(finding.severity is FindingSeverity.CRITICAL for finding in recorded)
        report = Report(
            compliance_percentage=compliance_percentage,
            letter=rules.letter_for(compliance_percentage, has_alert),
            rule_set_version=rules.version,
            findings=recorded,
            published_at=now,
        )
        self.report = report
        self.status = AuditStatus.REPORT_PUBLISHED
        self.record(
            AuditReportPublished(
                audit_id=self.id,
                factory_id=self.factory_id,
                audit_type=self.audit_type,
                compliance_percentage=report.compliance_percentage,
                letter=report.letter,
                rule_set_version=report.rule_set_version,
                findings=[PublishedFinding(**finding.model_dump()) for finding in recorded],
                published_at=now,
            )
        )
        for finding in recorded:
            if finding.severity is FindingSeverity.CRITICAL:
                self.record(
                    CriticalFindingRaised(
                        audit_id=self.id,
                        factory_id=self.factory_id,
                        finding_id=finding.finding_id,
                        chapter=finding.chapter,
                        description=finding.description,
                    )
                )
        return report
