"""Corrective action plans: one item per non-conformity, validated once for all members."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, computed_field

from cap_service.domain.plans import (
    Extension,
    ExtensionStatus,
    ItemPlan,
    check_requested_deadline,
    check_target_date,
    extensions_in,
    plan_in,
)
from cap_service.domain.record import RECORD_STARTED, RecordEntry, next_entry
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import CapDecision, CapItemStatus, ExtensionDecision, FindingSeverity
from shared_audits.contracts.events import (
    AuditReportPublished,
    CapClosed,
    CapItemAccepted,
    CapItemClosed,
    CapItemEvidenceSubmitted,
    CapItemExtensionGranted,
    CapItemExtensionRefused,
    CapItemExtensionRequested,
    CapItemOverdue,
    CapItemPlanUpdated,
    CapItemRejected,
    CapItemReopened,
    CapOpened,
    CapProgress,
    OpenedCapItem,
    PublishedFinding,
)
from shared_audits.contracts.envelope import EventPayload
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError


class DeadlineRules(BaseModel):
    version: str
    description: str = ""
    days_by_severity: dict[FindingSeverity, int]

    def deadline_for(self, severity: FindingSeverity, published: date) -> date:
        return published + timedelta(days=self.days_by_severity[severity])


class Decision(BaseModel):
    """A member's decision on an item, as its record holds it."""

    decision: CapDecision
    member_id: str
    decided_by: str
    comment: str | None
    decided_at: datetime


class FollowUpOutcome(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


class FollowUpChange(BaseModel):
    """What a follow-up audit did to an item, as its record holds it."""

    audit_id: str
    outcome: FollowUpOutcome
    at: datetime


class CapItem(BaseModel):
    item_id: str
    finding_id: str
    severity: FindingSeverity
    description: str
    recommended_action: str
    deadline: date
    chapter: str | None = None
    question_id: str | None = None  # the questionnaire's question rated "no"; None in reports before it was kept
    status: CapItemStatus = CapItemStatus.OPEN
    evidence_ids: list[str] = Field(default_factory=list)
    # The deadline for which CapItemOverdue was emitted; a new deadline re-arms the check.
    overdue_reported_for: date | None = None

    @property
    def done(self) -> bool:
        return self.status in (CapItemStatus.ACCEPTED, CapItemStatus.CLOSED)

    @property
    def overdue(self) -> bool:
        """Late as members read it: the scheduled check flagged its current deadline and it is not done yet."""
        return self.overdue_reported_for == self.deadline and not self.done

    def is_overdue(self, today: date) -> bool:
        """Whether the check of ``today`` flags it: past its deadline, not done, not yet flagged for that deadline."""
        return not self.done and self.deadline < today and self.overdue_reported_for != self.deadline


def same_chapter(left: str | None, right: str | None) -> bool:
    """Chapters match by their text, ignoring case and surrounding blanks."""
    return left is not None and right is not None and left.strip().casefold() == right.strip().casefold()


def found_again(item: CapItem, finding: PublishedFinding) -> bool:
    """A follow-up finding re-finds an item when both name the same question; when either names none
    (an item of an older report, a finding on no question), when their chapters are the same."""
    if item.question_id and finding.question_id:
        return item.question_id.strip() == finding.question_id.strip()
    return same_chapter(item.chapter, finding.chapter)


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
    applied_follow_ups: list[str] = Field(default_factory=list)  # audit ids already applied
    # The tamper-evident record (domain.record): every event this CAP raised, chained; only ever appended.
    # Decisions and follow-up outcomes are read from it, so what members see is what the chain proves.
    history: list[RecordEntry] = Field(default_factory=list)

    @computed_field  # stored with the state: the overdue scan reads only CAPs past it, through an index
    @property
    def next_overdue_deadline(self) -> date | None:
        """The earliest deadline whose passing would flag an item (None: nothing can become overdue)."""
        if self.status != CapStatus.OPEN:
            return None
        pending = [item.deadline for item in self.items
                   if not item.done and item.overdue_reported_for != item.deadline]
        return min(pending, default=None)

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
                chapter=finding.chapter,
                question_id=finding.question_id,
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
        cap._record(
            now,
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
                        chapter=item.chapter,
                    )
                    for item in items
                ],
            ),
        )
        return cap

    def _record(self, at: datetime, event: EventPayload) -> None:
        """Raise ``event`` and append it to the CAP's record, in the same change (saved in one write)."""
        self.record(event)
        entry = next_entry(self.history, self.id, event.TYPE, event.VERSION, at, event.model_dump(mode="json"))
        self.history = [*self.history, entry]

    def start_record(self, earlier: dict[str, dict[str, list[dict[str, Any]]]], now: datetime) -> bool:
        """Begin the record of a CAP opened before records existed, with a snapshot of its history then.

        ``earlier`` holds, by item id, the ``decisions`` and ``follow_ups`` the CAP
        document kept before. Returns False when the CAP already has a record.
        """
        if self.history:
            return False
        snapshot = {
            "audit_id": self.audit_id,
            "factory_id": self.factory_id,
            "status": self.status.value,
            "rule_set_version": self.rule_set_version,
            "opened_at": self.opened_at.isoformat(),
            "items": [
                {
                    "item_id": item.item_id,
                    "finding_id": item.finding_id,
                    "status": item.status.value,
                    "deadline": item.deadline.isoformat(),
                    "evidence_ids": list(item.evidence_ids),
                    "decisions": [Decision.model_validate(d).model_dump(mode="json")
                                  for d in earlier.get(item.item_id, {}).get("decisions", [])],
                    "follow_ups": [FollowUpChange.model_validate(f).model_dump(mode="json")
                                   for f in earlier.get(item.item_id, {}).get("follow_ups", [])],
                }
                for item in self.items
            ],
        }
        self.history = [next_entry([], self.id, RECORD_STARTED, 1, now, snapshot)]
        return True

    def decisions_of(self, item_id: str) -> list[Decision]:
        """The decisions on an item, oldest first, read from the record."""
        found: list[Decision] = []
        for entry in self.history:
            if entry.type == RECORD_STARTED:
                found += [Decision.model_validate(d) for d in _snapshot_item(entry, item_id).get("decisions", [])]
            elif entry.type in DECISION_BY_EVENT and entry.data.get("item_id") == item_id:
                data = entry.revealed()
                found.append(Decision(
                    decision=DECISION_BY_EVENT[entry.type], member_id=data["member_id"],
                    decided_by=data["decided_by"], comment=data.get("comment"), decided_at=data["decided_at"],
                ))
        return found

    def follow_ups_of(self, item_id: str) -> list[FollowUpChange]:
        """What follow-up audits did to an item, oldest first, read from the record."""
        found: list[FollowUpChange] = []
        for entry in self.history:
            if entry.type == RECORD_STARTED:
                found += [FollowUpChange.model_validate(f) for f in _snapshot_item(entry, item_id).get("follow_ups", [])]
            elif entry.type in FOLLOW_UP_BY_EVENT and entry.data.get("item_id") == item_id:
                outcome, time_field = FOLLOW_UP_BY_EVENT[entry.type]
                found.append(FollowUpChange(audit_id=entry.data["follow_up_audit_id"], outcome=outcome,
                                            at=entry.data[time_field]))
        return found

    def progress(self) -> CapProgress:
        return CapProgress(items_closed=sum(item.done for item in self.items), items_total=len(self.items))

    def item(self, item_id: str) -> CapItem:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise NotFoundError(f"item {item_id} not found in this CAP")

    def plan_of(self, item_id: str) -> ItemPlan | None:
        """The factory's latest plan for an item, read from the record."""
        return plan_in(self.history, item_id)

    def extensions_of(self, item_id: str) -> list[Extension]:
        """An item's extension requests and their decisions, oldest first, read from the record."""
        return extensions_in(self.history, item_id)

    def write_plan(self, item_id: str, root_cause: str, corrective_action: str, owner: str, target_date: date,
                   written_by: str, now: datetime) -> None:
        """The factory writes its plan for an item, due by its deadline; the same plan again changes nothing."""
        item = self.item(item_id)
        if item.done:
            raise ConflictError(f"item is {item.status.value}; its plan can no longer change")
        check_target_date(target_date, item.deadline)
        plan = {"root_cause": root_cause, "corrective_action": corrective_action, "owner": owner,
                "target_date": target_date}
        current = self.plan_of(item_id)
        if current is not None and current.model_dump(include=set(plan)) == plan:
            return
        self._record(now, CapItemPlanUpdated(cap_id=self.id, item_id=item_id, factory_id=self.factory_id, **plan,
                                             updated_by=written_by, updated_at=now))

    def request_extension(self, item_id: str, new_deadline: date, reason: str, requested_by: str,
                          now: datetime) -> str:
        """The factory asks for a later deadline for an item not yet done, one request at a time; returns its id."""
        item = self.item(item_id)
        if item.done:
            raise ConflictError(f"item is {item.status.value}; it needs no more time")
        if any(e.status == ExtensionStatus.PENDING for e in self.extensions_of(item_id)):
            raise ConflictError("an extension request for this item is already waiting for a decision")
        check_requested_deadline(new_deadline, item.deadline, now.date())
        extension_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"cap-item-extension:{item_id}:{len(self.history)}"))
        self._record(now, CapItemExtensionRequested(
            cap_id=self.id, item_id=item_id, factory_id=self.factory_id, extension_id=extension_id,
            current_deadline=item.deadline, requested_deadline=new_deadline, reason=reason,
            requested_by=requested_by, requested_at=now,
        ))
        return extension_id

    def decide_extension(self, item_id: str, extension_id: str, decision: ExtensionDecision, member_id: str,
                         decided_by: str, reason: str | None, now: datetime) -> None:
        """A linked member grants (the deadline moves) or refuses (with a reason) a request; the first decision wins."""
        decision = ExtensionDecision(decision)
        item = self.item(item_id)
        extension = next((e for e in self.extensions_of(item_id) if e.extension_id == extension_id), None)
        if extension is None:
            raise NotFoundError(f"extension request {extension_id} not found for this item")
        if extension.status != ExtensionStatus.PENDING:
            raise ConflictError(f"this extension request was already {extension.status.value}")
        if decision == ExtensionDecision.REFUSE and not reason:
            raise InvalidRequestError("a refusal needs a reason telling the factory why")
        decided = {"cap_id": self.id, "item_id": item_id, "factory_id": self.factory_id,
                   "extension_id": extension_id, "member_id": member_id, "decided_by": decided_by,
                   "decided_at": now}
        if decision == ExtensionDecision.GRANT:
            previous, item.deadline = item.deadline, extension.requested_deadline
            self.items = list(self.items)  # the new deadline re-arms the overdue check (next_overdue_deadline)
            self._record(now, CapItemExtensionGranted(**decided, reason=reason, previous_deadline=previous,
                                                      deadline=item.deadline))
        else:
            self._record(now, CapItemExtensionRefused(**decided, reason=reason or "", deadline=item.deadline))

    def submit_evidence(self, item_id: str, evidence_id: str, now: datetime) -> None:
        item = self.item(item_id)
        if evidence_id in item.evidence_ids:
            return
        item.evidence_ids.append(evidence_id)
        if item.status in (CapItemStatus.OPEN, CapItemStatus.REJECTED):
            item.status = CapItemStatus.EVIDENCE_SUBMITTED
        self.items = list(self.items)
        self._record(
            now,
            CapItemEvidenceSubmitted(
                cap_id=self.id, item_id=item_id, factory_id=self.factory_id, evidence_id=evidence_id
            ),
        )

    def decide(
        self, item_id: str, decision: CapDecision, member_id: str, decided_by: str, comment: str | None, now: datetime
    ) -> None:
        decision = CapDecision(decision)
        item = self.item(item_id)
        if item.status != CapItemStatus.EVIDENCE_SUBMITTED:
            raise ConflictError(f"item is {item.status.value}; only submitted evidence can be decided")
        if decision == CapDecision.REJECT and not comment:
            raise InvalidRequestError("a rejection needs a comment telling the factory what is missing")
        judged = item.evidence_ids[-1] if item.evidence_ids else None
        if decision == CapDecision.ACCEPT:
            item.status = CapItemStatus.ACCEPTED
            self._record(
                now,
                CapItemAccepted(
                    cap_id=self.id,
                    item_id=item_id,
                    factory_id=self.factory_id,
                    member_id=member_id,
                    decided_by=decided_by,
                    comment=comment,
                    decided_at=now,
                    progress=self.progress(),
                    evidence_id=judged,
                ),
            )
        else:
            item.status = CapItemStatus.REJECTED
            self._record(
                now,
                CapItemRejected(
                    cap_id=self.id,
                    item_id=item_id,
                    factory_id=self.factory_id,
                    member_id=member_id,
                    decided_by=decided_by,
                    comment=comment or "",
                    decided_at=now,
                    evidence_id=judged,
                ),
            )
        self.items = list(self.items)
        self._close_when_done(now)

    def _close_when_done(self, now: datetime) -> None:
        if self.status == CapStatus.OPEN and all(i.done for i in self.items):
            self.status = CapStatus.CLOSED
            self._record(now, CapClosed(cap_id=self.id, factory_id=self.factory_id, closed_at=now))

    def flag_overdue(self, today: date, now: datetime) -> list[str]:
        """Emit CapItemOverdue once per item and deadline; returns the item ids flagged."""
        flagged = []
        for item in self.items:
            if item.is_overdue(today):
                item.overdue_reported_for = item.deadline
                flagged.append(item.item_id)
                self._record(
                    now,
                    CapItemOverdue(
                        cap_id=self.id, item_id=item.item_id, factory_id=self.factory_id,
                        deadline=item.deadline, status=item.status,
                    ),
                )
        if flagged:
            self.items = list(self.items)
        return flagged

    def apply_follow_up(self, report: AuditReportPublished, rules: DeadlineRules, now: datetime) -> set[str]:
        """Close the items a follow-up audit no longer finds, reopen those it finds again.

        The rule (documented in the README): an item and a follow-up finding match when
        they name the same question (``found_again``; by chapter only when either names
        none). A matched item that was accepted or closed is reopened with a new deadline
        from the finding's severity; a matched item still in progress stays as it is. An
        item the follow-up does not find again (its question rated "yes") is closed.
        Items with neither question nor chapter are left alone. Returns the ids of the
        follow-up's findings that matched an item of this CAP.
        """
        matched = {f.finding_id for f in report.findings if any(found_again(i, f) for i in self.items)}
        if report.audit_id in self.applied_follow_ups:
            return matched
        published = report.published_at.date()
        for item in self.items:
            if item.chapter is None and item.question_id is None:
                continue
            refound = [f for f in report.findings if found_again(item, f)]
            if refound and item.done:
                worst = max(refound, key=lambda f: SEVERITY_ORDER[FindingSeverity(f.severity)])
                item.status = CapItemStatus.OPEN
                item.deadline = rules.deadline_for(FindingSeverity(worst.severity), published)
                self.status = CapStatus.OPEN
                self._record(
                    now,
                    CapItemReopened(
                        cap_id=self.id, item_id=item.item_id, factory_id=self.factory_id,
                        follow_up_audit_id=report.audit_id, deadline=item.deadline, reopened_at=now,
                        progress=self.progress(),
                    ),
                )
            elif not refound and item.status != CapItemStatus.CLOSED:
                item.status = CapItemStatus.CLOSED
                self._record(
                    now,
                    CapItemClosed(
                        cap_id=self.id, item_id=item.item_id, factory_id=self.factory_id,
                        follow_up_audit_id=report.audit_id, closed_at=now, progress=self.progress(),
                    ),
                )
        self.applied_follow_ups = [*self.applied_follow_ups, report.audit_id]
        self.items = list(self.items)
        self._close_when_done(now)
        return matched


SEVERITY_ORDER = {FindingSeverity.MINOR: 0, FindingSeverity.MAJOR: 1, FindingSeverity.CRITICAL: 2}

# How the record's entries read as decisions and follow-up outcomes.
DECISION_BY_EVENT = {CapItemAccepted.TYPE: CapDecision.ACCEPT, CapItemRejected.TYPE: CapDecision.REJECT}
FOLLOW_UP_BY_EVENT = {CapItemReopened.TYPE: (FollowUpOutcome.REOPENED, "reopened_at"),
                      CapItemClosed.TYPE: (FollowUpOutcome.CLOSED, "closed_at")}


def _snapshot_item(entry: RecordEntry, item_id: str) -> dict[str, Any]:
    return next((item for item in entry.revealed().get("items", []) if item.get("item_id") == item_id), {})
