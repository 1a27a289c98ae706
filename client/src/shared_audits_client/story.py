"""The walking skeleton as a story through the gateway: used by the demo seed and the tests.

A factory is registered; members A and B ask to link to it and the factory
accepts; the factory submits its
profile and signs the Code of Conduct; A mandates a semi-announced audit; the
audit company accepts, answers the questionnaire (the platform rates it "B")
and reports one non-conformity; a CAP opens; the factory uploads evidence; A
accepts it; B sees the accepted item, the progress and the event.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared_audits_client.api import ApiError, Organisation, PlatformClient, eventually

STORY_WORKFORCE = 420  # 151-500 workers: 13 interviews, 13 workers' files, 2 auditor-days

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
    kafka_bootstrap: str | None = None
    prepared_for_audit: bool = False

    def close(self) -> None:
        for client in (self.operator, self.member_a, self.member_b, self.auditor, self.factory):
            client.close()


def assemble_cast(
    gateway_url: str,
    operator_id: str,
    operator_secret: str,
    label: str | None = None,
    kafka_bootstrap: str | None = None,
) -> Cast:
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
    return Cast(
        operator=operator, organisations=members, factory_id=factory_id, kafka_bootstrap=kafka_bootstrap, **clients
    )


def link_with_consent(member: PlatformClient, factory: PlatformClient, factory_id: str,
                      relationship: str = "supplier") -> dict:
    """The member asks to link to the site and the factory accepts: the link is active on return.

    Each step waits for what it needs (access-control learns of a new site by an event).
    The other services learn of the link by FactoryLinked a moment later: callers wait for it.
    """
    request = eventually(lambda: member.link_factory(factory_id, relationship))
    if request.get("status") == "active":
        return request
    return factory.accept_link_request(request["request_id"])


def link_on_behalf(member: PlatformClient, operator: PlatformClient, factory_id: str, reason: str,
                   relationship: str = "supplier") -> dict:
    """The member asks and the operator accepts for the factory, with a reason (worlds without a factory client)."""
    request = eventually(lambda: member.link_factory(factory_id, relationship))
    if request.get("status") == "active":
        return request
    return operator.accept_link_request(request["request_id"], reason=reason)


DEMO_CODE_OF_CONDUCT = {
    "version": "2026.1",
    "title": "Shared Code of Conduct",
    "text": "Members and suppliers commit to respect workers' rights, health and safety and the environment, "
    "as set out chapter by chapter in the platform's questionnaire.",
}


def current_code_of_conduct(operator: PlatformClient) -> dict:
    """The current Code of Conduct; on a new platform the operator publishes the first version."""
    try:
        return operator.current_code_of_conduct()
    except ApiError as error:
        if error.status != 404:
            raise
    try:
        return operator.publish_code_of_conduct(**DEMO_CODE_OF_CONDUCT)
    except ApiError as error:
        if error.status != 409:  # published by someone else meanwhile
            raise
        return operator.current_code_of_conduct()


def factory_prepares_for_audit(operator: PlatformClient, factory: PlatformClient, factory_id: str, workforce: int) -> None:
    """Before an audit the factory submits its Factory Profile and signs the current Code of Conduct."""
    split = {"female": workforce - workforce // 2, "male": workforce // 2, "permanent": workforce, "temporary": 0,
             "migrant": 0, "under_18": 0}
    factory.submit_profile(factory_id, {"workforce": split})
    factory.sign_code_of_conduct(current_code_of_conduct(operator)["version"])


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
        link_with_consent(member, cast.factory, factory_id)

    factory_prepares_for_audit(cast.operator, cast.factory, factory_id, STORY_WORKFORCE)

    auditor_id = cast.organisations["auditor"].organisation_id
    audit = eventually(lambda: cast.member_a.mandate_audit(factory_id, auditor_id, **semi_announced_window()))
    cast.auditor.answer_mandate(audit["audit_id"], "accept")
    questionnaire, sample = cast.auditor.questionnaire(), cast.auditor.sample_size(STORY_WORKFORCE)
    # Its one "no" is the one documented finding: one CAP item (every "no" is an item).
    report = report_of_findings(questionnaire, sample, report_rated_b(questionnaire, sample)["findings"])
    eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], report))

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


class ReportRefused(Exception):
    """The report was refused for a reason waiting does not cure; ``error`` holds the problem."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


def publish_report_with_findings(cast: Cast, findings: list[dict], audit_type: str = "initial",
                                 unwritten_noes: tuple[str, ...] = (), follows_audit_id: str | None = None) -> dict:
    """Member A mandates, the auditor accepts and reports these findings on a "B" set of answers
    (``report_of_findings``: each finding's question answered "no", and ``unwritten_noes`` without one).

    The factory is prepared for audit (profile, current Code of Conduct) the first time.
    Returns the mandated audit.
    """
    if not cast.prepared_for_audit:
        factory_prepares_for_audit(cast.operator, cast.factory, cast.factory_id, STORY_WORKFORCE)
        cast.prepared_for_audit = True
    auditor_id = cast.organisations["auditor"].organisation_id
    window = {**semi_announced_window(), "audit_type": audit_type}
    if follows_audit_id:
        window["follows_audit_id"] = follows_audit_id
    audit = eventually(lambda: cast.member_a.mandate_audit(cast.factory_id, auditor_id, **window))
    cast.auditor.answer_mandate(audit["audit_id"], "accept")
    report = report_of_findings(cast.auditor.questionnaire(), cast.auditor.sample_size(STORY_WORKFORCE), findings,
                                unwritten_noes)
    eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], report))
    return audit


def submit_when_ready(auditor: PlatformClient, audit_id: str, report: dict) -> dict:
    # audit-service learns of the profile and the signature through events: a 409 "not ready" passes.
    try:
        return auditor.submit_report(audit_id, report)
    except ApiError as error:
        if error.status == 409 and "not ready" in str(error.problem.get("title", "")):
            raise AssertionError("the factory is not ready for audit yet") from error
        raise ReportRefused(error) from error


def semi_announced_window() -> dict[str, str]:
    """An initial, social, semi-announced audit whose three-week window includes the last two days."""
    today = datetime.now(UTC).date()
    return {
        "audit_type": "initial",
        "scope": "social",
        "announcement": "semi_announced",
        "window_starts_on": (today - timedelta(days=7)).isoformat(),
        "window_ends_on": (today + timedelta(days=14)).isoformat(),
    }


def report_rated_b(questionnaire: dict, sample: dict) -> dict:
    """A social report the platform rates "B": a few rated "no" answers, one documented as a finding.

    Critical questions are all "yes" (a "no" would raise an alert and an "E").
    """
    return report_at_most(questionnaire, sample, 84)


def report_at_most(questionnaire: dict, sample: dict, ceiling: float) -> dict:
    """A social report scoring just under ``ceiling`` percent, its first "no" documented as a finding.

    Heavier rated questions are answered "no" until the score falls to the ceiling;
    critical questions stay "yes" (a "no" there is an alert: see ``with_critical_alert``).
    """
    social = {chapter["id"] for chapter in questionnaire["chapters"] if chapter["pillar"] == "social"}
    questions = [q for q in questionnaire["questions"] if q["chapter"] in social]
    rated = [q for q in questions if q["kind"] == "rated"]
    total = sum(q["weight"] for q in questions if q["kind"] in ("rated", "critical"))
    documented = next(q for q in rated if q["chapter"] == "S9")
    noes, lost = [documented["id"]], documented["weight"]
    for question in sorted(rated, key=lambda q: (-q["weight"], q["id"])):
        if 100 * (total - lost) / total <= ceiling:
            break
        if question["id"] not in noes:
            noes.append(question["id"])
            lost += question["weight"]
    answers = []
    for question in questions:
        if question["kind"] == "information":
            answers.append({"question_id": question["id"], "note": "Recorded from the site's documents."})
        else:
            answers.append({"question_id": question["id"], "value": "no" if question["id"] in noes else "yes"})
    today = datetime.now(UTC).date()
    finding = {
        "chapter": "S9",
        "severity": "major",
        "question_id": documented["id"],
        "description": "Fire extinguishers on the sewing floor were last inspected 20 months ago.",
        "observation": "Tags on 6 of 9 extinguishers on floor 2 show the last inspection in March of last year.",
        "recommended_action": "Have all extinguishers inspected and tagged; keep the inspection log.",
    }
    return {
        "audit_first_day": (today - timedelta(days=2)).isoformat(),
        "audit_last_day": (today - timedelta(days=1)).isoformat(),
        "answers": answers,
        "findings": [finding],
        "workers_interviewed": sample["interviews"],
        "documents_sampled": sample["documents"],
        "auditor_days": sample["auditor_days"],
    }


def report_of_findings(questionnaire: dict, sample: dict, findings: list[dict],
                       unwritten_noes: tuple[str, ...] = (), ceiling: float = 84) -> dict:
    """A social report whose only "no" answers are its findings' questions and ``unwritten_noes``.

    Every rated "no" becomes a CAP item, so the items are exactly these. A finding naming no
    question is given the next rated question of its chapter. Enough other scored questions are
    answered "yes" to score just under ``ceiling`` ("B" by default); the rest are not applicable.
    """
    social = {chapter["id"] for chapter in questionnaire["chapters"] if chapter["pillar"] == "social"}
    questions = [q for q in questionnaire["questions"] if q["chapter"] in social]
    weights = {q["id"]: q["weight"] for q in questions if q["kind"] in ("rated", "critical")}
    noes, written = list(unwritten_noes), []
    for finding in findings:
        finding = dict(finding)
        if not finding.get("question_id"):
            free = next((q["id"] for q in questions if q["kind"] == "rated" and q["chapter"] == finding["chapter"]
                         and q["id"] not in noes), None)
            finding["question_id"] = free
        if finding["question_id"] and finding["question_id"] not in noes:
            noes.append(finding["question_id"])
        written.append(finding)
    lost, earned, yes = sum(weights[question_id] for question_id in noes), 0, set()
    for question_id, weight in weights.items():
        if question_id not in noes and (not lost or 100 * (earned + weight) / (earned + weight + lost) <= ceiling):
            yes.add(question_id)
            earned += weight
    answers = []
    for question in questions:
        if question["kind"] == "information":
            answers.append({"question_id": question["id"], "note": "Recorded from the site's documents."})
        elif question["id"] in noes:
            answers.append({"question_id": question["id"], "value": "no"})
        elif question["id"] in yes or question["kind"] == "best_practice":
            answers.append({"question_id": question["id"], "value": "yes"})
        else:
            answers.append({"question_id": question["id"], "value": "not_applicable"})
    today = datetime.now(UTC).date()
    return {
        "audit_first_day": (today - timedelta(days=2)).isoformat(),
        "audit_last_day": (today - timedelta(days=1)).isoformat(),
        "answers": answers,
        "findings": written,
        "workers_interviewed": sample["interviews"],
        "documents_sampled": sample["documents"],
        "auditor_days": sample["auditor_days"],
    }


def with_critical_alert(report: dict, questionnaire: dict) -> dict:
    """The same report with a critical question answered "no" and documented: an alert, an "E"."""
    critical = next(q for q in questionnaire["questions"] if q["kind"] == "critical" and q["chapter"] == "S9")
    answers = [
        {"question_id": a["question_id"], "value": "no"} if a["question_id"] == critical["id"] else a
        for a in report["answers"]
    ]
    alert = {
        "chapter": critical["chapter"],
        "severity": "critical",
        "question_id": critical["id"],
        "description": "The emergency exit next to the cutting tables was locked during the shift.",
        "observation": "Padlock on the push bar at 11:05; the key was kept in the office.",
        "recommended_action": "Remove the lock at once and check every exit at each shift start.",
    }
    return {**report, "answers": answers, "findings": [*report["findings"], alert]}
