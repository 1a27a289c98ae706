"""The walking skeleton as a story through the gateway: used by the demo seed and the tests.

A factory is registered; members A and B link to it; A mandates an audit; the
audit company reports one non-conformity; a CAP opens; the factory uploads
evidence; A accepts it; B sees the accepted item, the progress and the event.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from shared_audits_client.api import Organisation, PlatformClient, eventually

# A minimal, valid one-page PDF: evidence is checked by content, not by name.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Cast:
    operator: PlatformClient
    member_a: PlatformClient
    member_b: PlatformClient
    auditor: PlatformClient
    factory: PlatformClient
    organisations: dict[str, Organisation] = field(default_factory=dict)
    factory_id: str = ""

    def close(self) -> None:
        for client in (self.operator, self.member_a, self.member_b, self.auditor, self.factory):
            client.close()


def assemble_cast(gateway_url: str, operator_id: str, operator_secret: str, label: str | None = None) -> Cast:
    """Register a site and the organisations of the story, each with its own credentials."""
    label = label or uuid.uuid4().hex[:6]
    operator = PlatformClient.login(gateway_url, operator_id, operator_secret)
    # Every story registers its own site on purpose, so it confirms that the lookalike is new.
    site = operator.register_factory(
        f"Sunrise Garments {label}", "BD", city="Gazipur", address="Plot 7, BSCIC", confirm_new=True
    )
    factory_id = site["factory_id"]
    # access-control learns of the site through FactoryRegistered; until then it is unknown there.
    factory_org = eventually(lambda: operator.register_organisation(f"Sunrise Garments {label} (site)", "factory", factory_id))
    members = {
        "member_a": operator.register_organisation(f"Brand A {label}", "member"),
        "member_b": operator.register_organisation(f"Brand B {label}", "member"),
        "auditor": operator.register_organisation(f"Audit Co {label}", "audit_company"),
        "factory": factory_org,
    }
    clients = {
        role: PlatformClient.login(gateway_url, org.client_id, org.client_secret) for role, org in members.items()
    }
    return Cast(operator=operator, organisations=members, factory_id=factory_id, **clients)


@dataclass
class SkeletonRun:
    audit: dict
    cap: dict
    item_id: str
    evidence: dict
    evidence_sha256: str
    decision: dict
    cap_seen_by_b: dict


def walk_skeleton(cast: Cast, traceparent: str | None = None) -> SkeletonRun:
    """Play the story once; each hop waits for the event it depends on."""
    factory_id = cast.factory_id
    for member in (cast.member_a, cast.member_b):
        eventually(lambda member=member: member.link_factory(factory_id, "supplier"))

    auditor_id = cast.organisations["auditor"].organisation_id
    audit = eventually(lambda: cast.member_a.mandate_audit(factory_id, auditor_id, audit_type="initial"))
    finding = {
        "chapter": "9 Health and safety",
        "severity": "major",
        "description": "Fire extinguishers on the sewing floor were last inspected 20 months ago.",
        "recommended_action": "Have all extinguishers inspected and tagged; keep the inspection log.",
    }
    cast.auditor.submit_report(audit["audit_id"], 78.5, [finding])

    def cap_opened() -> dict:
        caps = cast.member_a.caps_of_factory(factory_id)
        assert caps, "no CAP yet"
        return caps[0]

    cap = eventually(cap_opened)
    item_id = cap["items"][0]["item_id"]
    evidence = eventually(
        lambda: cast.factory.upload_evidence(cap["cap_id"], item_id, "extinguisher-log.pdf", SAMPLE_PDF, "application/pdf")
    )

    def evidence_submitted() -> None:
        item = cast.member_a.cap(cap["cap_id"])["items"][0]
        assert item["status"] == "evidence_submitted", item["status"]

    eventually(evidence_submitted)
    decision = cast.member_a.decide(
        cap["cap_id"], item_id, "accept", "Inspection tags and log verified.", traceparent=traceparent
    )
    return SkeletonRun(
        audit=audit,
        cap=cap,
        item_id=item_id,
        evidence=evidence,
        evidence_sha256=hashlib.sha256(SAMPLE_PDF).hexdigest(),
        decision=decision,
        cap_seen_by_b=cast.member_b.cap(cap["cap_id"]),
    )
