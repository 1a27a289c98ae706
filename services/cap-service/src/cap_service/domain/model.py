"""Corrective action plans: one item per non-conformity, validated once for all members."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import CapDecision, CapItemStatus, FindingSeverity
from shared_audits.contracts.events import (
    AuditReportPublished,
    CapClosed,
    CapItemAccepted,
    CapItemEvidenceSubmitted,
    CapItemRejected,
    CapOpened,
    CapProgress,
    OpenedCapItem,
)
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError


class DeadlineRules(BaseModel):
    version: str
    description: str = ""
    days_by_severity: dict[FindingSeverity, int]

    def deadline_for(self, severity: FindingSeverity, published: date) -> date:
        return published + timedelta(days=self.days_by_severity[severity])


class Decision(BaseModel):
    decision: CapDecision
    member_id: str
    decided_by: str
    comment: str | None
    decided_at: datetime


class CapItem(BaseModel):
    item_id: str
    finding_id: str
    severity: FindingSeverity
    description: str
    recommended_action: str
    deadline: date
    status: CapItemStatus = CapItemStatus.OPEN
    evidence_ids: list[str] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)  # append-only history

    @property
    def done(self) -> bool:
        return self.status in (CapItemStatus.ACCEPTED, CapItemStatus.CLOSED)


class CapStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Cap(Aggregate):
    audit_id: str
    factory_id: str
    status: CapStatus
    rule_set_version: str
    opened_at: datetime
    items: list[CapItem]

    @staticmethod
    def id_for_audit(audit_id: str) -> str:
        """One CAP per report: the same report opens the same CAP, however often it arrives."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cap-of-audit:{audit_id}"))

    @classmethod
    def open_from_report(cls, report: AuditReportPublished, rules: DeadlineRules, now: datetime) -> Cap:
        published = report.published_at.date()
        items = [
            CapItem(
                item_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"cap-item:{finding.finding_id}")),
                finding_id=finding.finding_id,
                severity=finding.severity,
                description=finding.description,
                recommended_action=finding.recommended_action,
                deadline=rules.deadline_for(finding.severity, published),
            )
            for finding in report.findings
        ]
        cap = cls(
            id=cls.id_for_audit(report.audit_id),
            audit_id=report.audit_id,
            factory_id=report.factory_id,
            status=CapStatus.OPEN,
            rule_set_version=rules.version,
            opened_at=now,
            items=items,
        )
        cap.record(
            CapOpened(
                cap_id=cap.id,
                audit_id=cap.audit_id,
                factory_id=cap.factory_id,
                rule_set_version=rules.version,
                items=[
                    OpenedCapItem(
                        item_id=item.item_id,
                        finding_id=item.finding_id,
                        severity=item.severity,
                        description=item.description,
                        recommended_action=item.recommended_action,
                        deadline=item.deadline,
                    )
                    for item in items
                ],
            )
        )
        return cap

    def progress(self) -> CapProgress:
        return CapProgress(items_closed=sum(item.done for item in self.items), items_total=len(self.items))

    def item(self, item_id: str) -> CapItem:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise NotFoundError(f"item {item_id} not found in this CAP")

    def submit_evidence(self, item_id: str, evidence_id: str) -> None:
        item = self.item(item_id)
        if evidence_id in item.evidence_ids:
            return
        item.evidence_ids.append(evidence_id)
        if item.status in (CapItemStatus.OPEN, CapItemStatus.REJECTED):
            item.status = CapItemStatus.EVIDENCE_SUBMITTED
        self.items = list(self.items)
        self.record(
            CapItemEvidenceSubmitted(
                cap_id=self.id, item_id=item_id, factory_id=self.factory_id, evidence_id=evidence_id
            )
        )

    def decide(
        self, item_id: str, decision: CapDecision, member_id: str, decided_by: str, comment: str | None, now: datetime
    ) -> None:
        decision = CapDecision(decision)
        item = self.item(item_id)
        if item.status is not CapItemStatus.EVIDENCE_SUBMITTED:
            raise ConflictError(f"item is {item.status.value}; only submitted evidence can be decided")
        if decision is CapDecision.REJECT and not comment:
            raise InvalidRequestError("a rejection needs a comment telling the factory what is missing")
        item.decisions.append(
            Decision(decision=decision, member_id=member_id, decided_by=decided_by, comment=comment, decided_at=now)
        )
        if decision is CapDecision.ACCEPT:
            item.status = CapItemStatus.ACCEPTED
            self.record(
                CapItemAccepted(
                    cap_id=self.id,
                    item_id=item_id,
                    factory_id=self.factory_id,
                    member_id=member_id,
                    decided_by=decided_by,
                    comment=comment,
                    decided_at=now,
                    progress=self.progress(),
                )
            )
        else:
            item.status = CapItemStatus.REJECTED
            self.record(
                CapItemRejected(
                    cap_id=self.id,
                    item_id=item_id,
                    factory_id=self.factory_id,
                    member_id=member_id,
                    decided_by=decided_by,
                    comment=comment or "",
                    decided_at=now,
                )
            )
        self.items = list(self.items)
        if all(i.done for i in self.items):
            self.status = CapStatus.CLOSED
            self.record(CapClosed(cap_id=self.id, factory_id=self.factory_id, closed_at=now))
