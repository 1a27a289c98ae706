"""The demo seed: two members, three factories, audits with every letter, a critical alert, a CAP half done.

Everything goes through the gateway with each organisation's own credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from shared_audits_client.api import PlatformClient, eventually
from shared_audits_client.feed import wait_for_topic_record
from shared_audits_client.story import (
    SAMPLE_PDF,
    STORY_WORKFORCE,
    factory_prepares_for_audit,
    link_with_consent,
    report_at_most,
    report_of_findings,
    semi_announced_window,
    submit_when_ready,
    with_critical_alert,
)

SITES = [
    ("Sunrise Garments", "BD", "Gazipur", "Plot 7, BSCIC Industrial Area"),
    ("Mekong Knitwear", "VN", "Binh Duong", "Lot C2, VSIP II"),
    ("Anatolia Denim", "TR", "Denizli", "Organize Sanayi Bolgesi 4. Cadde No 12"),
]


@dataclass
class DemoWorld:
    operator: PlatformClient
    members: dict[str, PlatformClient]
    member_ids: dict[str, str]
    auditor: PlatformClient
    auditor_id: str
    factories: dict[str, PlatformClient] = field(default_factory=dict)  # factory id -> its own account
    site_names: dict[str, str] = field(default_factory=dict)
    factory_organisations: dict[str, str] = field(default_factory=dict)  # factory id -> its organisation id

    def close(self) -> None:
        for client in [self.operator, self.auditor, *self.members.values(), *self.factories.values()]:
            client.close()


@dataclass
class DemoAudit:
    site: str
    mandated_by: str
    letter: str
    percentage: float
    alert: bool
    audit_id: str


def build_world(gateway_url: str, operator_id: str, operator_secret: str, label: str) -> DemoWorld:
    operator = PlatformClient.login(gateway_url, operator_id, operator_secret)
    member_orgs = {name: operator.register_organisation(f"{name} {label}", "member") for name in ("Brand A", "Brand B")}
    auditor_org = operator.register_organisation(f"Audit Co {label}", "audit_company")
    world = DemoWorld(
        operator=operator,
        members={n: PlatformClient.login(gateway_url, o.client_id, o.client_secret) for n, o in member_orgs.items()},
        member_ids={n: o.organisation_id for n, o in member_orgs.items()},
        auditor=PlatformClient.login(gateway_url, auditor_org.client_id, auditor_org.client_secret),
        auditor_id=auditor_org.organisation_id,
    )
    for name, country, city, address in SITES:
        site = operator.register_factory(f"{name} {label}", country, city=city, address=address, confirm_new=True)
        account = eventually(lambda s=site, n=name: operator.register_organisation(f"{n} {label} (site)", "factory",
                                                                                   s["factory_id"]))
        factory = PlatformClient.login(gateway_url, account.client_id, account.client_secret)
        factory_prepares_for_audit(operator, factory, site["factory_id"], STORY_WORKFORCE)
        world.factories[site["factory_id"]] = factory
        world.site_names[site["factory_id"]] = name
        world.factory_organisations[site["factory_id"]] = account.organisation_id
    return world


def audit_site(world: DemoWorld, member: str, factory_id: str, report: dict) -> DemoAudit:
    """A member mandates, the audit company accepts and reports; the platform rates."""
    client = world.members[member]
    audit = eventually(lambda: client.mandate_audit(factory_id, world.auditor_id, **semi_announced_window()))
    world.auditor.answer_mandate(audit["audit_id"], "accept")
    eventually(lambda: submit_when_ready(world.auditor, audit["audit_id"], report))
    rated = client.audit(audit["audit_id"])["report"]
    return DemoAudit(world.site_names[factory_id], member, rated["letter"], rated["compliance_percentage"],
                     bool((rated.get("detail") or {}).get("has_alert")), audit["audit_id"])


# The people of the demo, one per role, who sign in to the portal (development only).
DEMO_PASSWORD = "shared-audits-demo"  # pragma: allowlist secret
DEMO_DOMAIN = "demo.example.org"


@dataclass(frozen=True)
class DemoUser:
    role: str
    email: str
    organisation: str


ACCESS_TOPIC = "ics.access.v1"


def invitation_reader(kafka_bootstrap: str) -> Callable[[str], str]:
    """The invitation's one-time token, read from access-control's topic as the notifier reads it
    to send the e-mail (development and tests only)."""

    def acceptance_token(user_id: str) -> str:
        # A thread of its own: the caller may already run an event loop (a browser test's Playwright).
        with ThreadPoolExecutor(max_workers=1) as thread:
            record = thread.submit(
                wait_for_topic_record, kafka_bootstrap, ACCESS_TOPIC,
                lambda envelope: envelope["type"] == "UserInvited" and envelope["payload"]["user_id"] == user_id,
            ).result()
        if record is None:
            raise AssertionError(f"UserInvited for {user_id} not on {ACCESS_TOPIC} yet")
        return record.envelope["payload"]["acceptance_token"]

    return acceptance_token


def invite_person(operator: PlatformClient, organisation_id: str, email: str, roles: list[str],
                  acceptance_token: Callable[[str], str], password: str) -> dict:
    """A person of an organisation, invited by the operator, with their first password set."""
    invited = operator.invite_user(organisation_id, email, roles)
    return operator.accept_invitation(eventually(lambda: acceptance_token(invited["user_id"])), password)


def demo_users(world: DemoWorld, acceptance_token: Callable[[str], str], domain: str = DEMO_DOMAIN,
               password: str = DEMO_PASSWORD) -> list[DemoUser]:
    """Invite a person into each organisation of the demo and set their password.

    ``acceptance_token(user_id)`` reads the invitation's one-time token from where the e-mail would
    come from (the seed reads access-control's topic, as the notifier does)."""
    sunrise = next(iter(world.factories))
    wanted = [
        ("operator", "operator", world.operator.my_organisation()["organisation_id"], ["operator"]),
        ("member", "brand-a", world.member_ids["Brand A"], ["admin"]),
        ("member", "brand-b", world.member_ids["Brand B"], ["admin"]),
        ("factory", "factory", world.factory_organisations[sunrise], ["admin"]),
        ("audit_company", "auditor", world.auditor_id, ["auditor"]),
    ]
    names = {world.member_ids["Brand A"]: "Brand A", world.member_ids["Brand B"]: "Brand B",
             world.factory_organisations[sunrise]: world.site_names[sunrise], world.auditor_id: "Audit Co"}
    users = []
    for role, local_part, organisation_id, roles in wanted:
        email = f"{local_part}@{domain}"
        invite_person(world.operator, organisation_id, email, roles, acceptance_token, password)
        users.append(DemoUser(role, email, names.get(organisation_id, "Operator")))
    return users


def seed(gateway_url: str, operator_id: str, operator_secret: str, label: str | None = None,
         acceptance_token: Callable[[str], str] | None = None) -> dict:
    """Play the demo; returns what a person would check: letters, the alert, CAP progress
    (and, given a way to read invitations, the people who sign in to the portal)."""
    label = label or f"demo-{uuid.uuid4().hex[:4]}"
    world = build_world(gateway_url, operator_id, operator_secret, label)
    try:
        sunrise, mekong, anatolia = list(world.factories)
        for member, sites in (("Brand A", [sunrise, mekong, anatolia]), ("Brand B", [sunrise, mekong])):
            for factory_id in sites:
                link_with_consent(world.members[member], world.factories[factory_id], factory_id)
        questionnaire = world.auditor.questionnaire()
        sample = world.auditor.sample_size(STORY_WORKFORCE)
        # Every rated "no" is a CAP item: this report's only two are its two written findings.
        two_findings = report_of_findings(questionnaire, sample, [
            *report_at_most(questionnaire, sample, 70)["findings"],
            {"chapter": "S7", "severity": "major",
             "description": "Overtime above 60 hours a week for 30 % of sampled workers in peak season.",
             "recommended_action": "Plan production to keep weekly hours within the legal limit; record hours."},
        ], ceiling=70)
        audits = [
            audit_site(world, "Brand A", sunrise, two_findings),  # C, two CAP items
            audit_site(world, "Brand B", mekong, report_at_most(questionnaire, sample, 100)),  # A
            audit_site(world, "Brand A", mekong, report_at_most(questionnaire, sample, 50)),  # D
            audit_site(world, "Brand A", anatolia, report_at_most(questionnaire, sample, 84)),  # B
            audit_site(world, "Brand A", anatolia,
                       with_critical_alert(report_at_most(questionnaire, sample, 100), questionnaire)),  # E
        ]
        cap = half_done_cap(world, sunrise, audits[0].audit_id)
        users = demo_users(world, acceptance_token) if acceptance_token else []
        return {
            "users": [user.__dict__ for user in users],
            "label": label,
            "audits": [audit.__dict__ for audit in audits],
            "letters": sorted({audit.letter for audit in audits}),
            "half_done_cap": {"cap_id": cap["cap_id"], "site": world.site_names[sunrise], **cap["progress"]},
            "members": world.member_ids,
        }
    finally:
        world.close()


def half_done_cap(world: DemoWorld, factory_id: str, audit_id: str) -> dict:
    """The factory answers one of two items; Brand A accepts it; Brand B sees 1 of 2 done."""
    brand_a, brand_b = world.members["Brand A"], world.members["Brand B"]

    def opened() -> dict:
        caps = [c for c in brand_a.caps_of_factory(factory_id) if c["audit_id"] == audit_id]
        assert caps, "no CAP yet"
        return caps[0]

    cap = eventually(opened)
    item_id = cap["items"][0]["item_id"]
    eventually(lambda: world.factories[factory_id].upload_evidence(
        cap["cap_id"], item_id, "corrective-evidence.pdf", SAMPLE_PDF, "application/pdf"))

    def submitted() -> None:
        item = next(i for i in brand_a.cap(cap["cap_id"])["items"] if i["item_id"] == item_id)
        assert item["status"] == "evidence_submitted", item["status"]

    eventually(submitted)
    brand_a.decide(cap["cap_id"], item_id, "accept", "Evidence checked against the recommended action.")
    return brand_b.cap(cap["cap_id"])
