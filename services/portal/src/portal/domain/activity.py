"""A factory's notifications: what happened on its audits and CAPs, newest first, read from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Happening:
    at: str  # ISO date or datetime, for sorting and for the page's locale formatting
    kind: str  # audit_mandated, report_published, cap_opened, decision_accept, decision_reject, deadline
    cap_id: str | None = None
    audit_id: str | None = None
    text: str = ""  # the item's description or the decision's comment
    overdue: bool = False


def happenings(audits: list[dict], caps: list[dict], today: date, soon_days: int = 14) -> list[Happening]:
    found: list[Happening] = []
    for audit in audits:
        found.append(Happening(audit["mandated_at"], "audit_mandated", audit_id=audit["audit_id"]))
        if audit.get("report") and audit.get("status") == "report_published":
            found.append(Happening(audit.get("decided_at") or audit["mandated_at"], "report_published",
                                   audit_id=audit["audit_id"]))
    for cap in caps:
        found.append(Happening(cap["opened_at"], "cap_opened", cap_id=cap["cap_id"]))
        for item in cap["items"]:
            for decision in item.get("decisions") or []:
                found.append(Happening(decision["decided_at"], f"decision_{decision['decision']}",
                                       cap_id=cap["cap_id"], text=decision.get("comment") or item["description"]))
            open_item = item["status"] not in ("accepted", "closed")
            deadline = date.fromisoformat(item["deadline"])
            if open_item and (item.get("overdue") or (deadline - today).days <= soon_days):
                found.append(Happening(item["deadline"], "deadline", cap_id=cap["cap_id"], text=item["description"],
                                       overdue=bool(item.get("overdue")) or deadline < today))
    return sorted(found, key=lambda h: h.at, reverse=True)
