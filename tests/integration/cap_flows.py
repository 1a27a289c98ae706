"""Steps the CAP, evidence and notification tests share: open a CAP, submit evidence."""

from __future__ import annotations

from shared_audits_client import eventually
from shared_audits_client.story import SAMPLE_PDF, Cast, link_with_consent, publish_report_with_findings


def finding(chapter: str, severity: str = "major", what: str = "Fire extinguishers not inspected") -> dict:
    """A finding in a social chapter named as in the Handbook ("9 Health and safety" is chapter S9)."""
    return {"chapter": f"S{chapter.split()[0]}", "severity": severity, "description": what,
            "recommended_action": "Correct it and keep the record."}


def link_both_members(cast: Cast) -> None:
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, cast.factory_id)


def publish_report(cast: Cast, findings: list[dict], audit_type: str = "initial") -> dict:
    return publish_report_with_findings(cast, findings, audit_type)


def cap_of_audit(cast: Cast, audit_id: str) -> dict:
    def opened() -> dict:
        caps = [cap for cap in cast.member_a.caps_of_factory(cast.factory_id) if cap["audit_id"] == audit_id]
        assert caps, "no CAP yet"
        return caps[0]

    return eventually(opened)


def open_cap(cast: Cast, findings: list[dict]) -> dict:
    link_both_members(cast)
    audit = publish_report(cast, findings)
    return cap_of_audit(cast, audit["audit_id"])


def item_status(cast: Cast, cap_id: str, item_id: str) -> str:
    return next(item for item in cast.member_a.cap(cap_id)["items"] if item["item_id"] == item_id)["status"]


def submit_evidence(cast: Cast, cap_id: str, item_id: str, filename: str = "permit.pdf",
                    content: bytes = SAMPLE_PDF) -> dict:
    evidence = eventually(lambda: cast.factory.upload_evidence(cap_id, item_id, filename, content, "application/pdf"))

    def submitted() -> None:
        assert item_status(cast, cap_id, item_id) == "evidence_submitted"

    eventually(submitted)
    return evidence
