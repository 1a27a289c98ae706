"""Property: whatever members link and unlink, no read of any service and no member feed leaks a site.

Worlds are played through the gateway on a pool of sites that hold data in
every service (profile, audit with report, CAP, evidence; see
``confidentiality_world``): the same three members link and unlink pool sites
at random, the factories act (a new profile naming subcontractors, new
evidence), and the members link and unlink again, each example on top of what
the earlier ones left. Then, for every member and every pool site, every GET
endpoint of every service is read (a separate test fails when a service offers
a GET endpoint this module does not check): a linked member sees what it
should; a member not linked, never or no longer, gets the very answer an
unknown id gets. Each member's Kafka feed topic carries exactly the link events
it should, the activity of sites it stayed linked to, and nothing that happened
after its link to a site ended; its inbox is its feed restricted to the sites
still linked; its delivery log is its own. Presigned download URLs are
short-lived (an unlink cannot revoke them). No read and no feed shows a member
another member's id (who mandated, who decided, whose link changed: "a linked
member"), except between members 0 and 1, whose member group the operator
published. The factory accounts, audit companies and the operator are checked
once against the same pool, and they see who.

``EXAMPLES`` (8, or ``CONFIDENTIALITY_EXAMPLES``) random worlds plus one explicit
world: 230 s for this module on the local stack of a 2-core machine shared
with other work (load average 3-5).
"""

from __future__ import annotations

import hashlib
import os
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from shared_audits.contracts import topics
from shared_audits.member_groups import LINKED_MEMBER
from shared_audits_client import PlatformClient, eventually
from shared_audits_client.story import SAMPLE_PDF
from tests.integration.confidentiality_world import (
    LINK_TYPES,
    Activity,
    LinkLedger,
    PoolSite,
    World,
    build_pool,
    inbox_holds,
    marker,
    moment,
    perform_activity,
    read_feeds,
    register_member,
    wait_until_handled,
)
from tests.integration.stack import Stack

EXAMPLES = int(os.environ.get("CONFIDENTIALITY_EXAMPLES", "8"))  # random worlds, plus one explicit world
POOL_SITES = 3
MEMBERS = 3
MAX_STEPS = 6
SENTINELS = 4  # two pairs taking turns
DOWNLOAD_URL_MAX_SECONDS = 300  # a presigned URL outlives an unlink by at most this
CARD_KEYS = {"factory_id", "name", "city", "country", "identifiers"}
SERVICE_PREFIXES = ["/access", "/registry", "/audits", "/caps", "/evidence", "/notifier"]
# Members 0 and 1 agreed to see each other's names: the operator published their member group.
REVEALED = {0, 1}
# The services whose reads and feeds name members follow the groups from events.
NAMING_SERVICES = ["audit-service", "cap-service", "notifier"]


@dataclass(frozen=True)
class Ids:
    factory_id: str
    audit_id: str
    cap_id: str
    item_id: str
    evidence_id: str

    @classmethod
    def of(cls, site: PoolSite) -> Ids:
        return cls(site.factory_id, site.audit_id, site.cap_id, site.item_id, site.evidence_ids[0])

    @classmethod
    def unknown(cls) -> Ids:
        return cls(*(str(uuid.uuid4()) for _ in range(5)))

    def mask(self, body: dict) -> str:
        text = json.dumps(body, sort_keys=True)
        for value in (self.factory_id, self.audit_id, self.cap_id, self.item_id, self.evidence_id):
            text = text.replace(value, "ID")
        return text


Request = tuple[str, dict | None]

# Factory-scoped reads: a caller that may not see the site gets the answer of an unknown id.
SITE_READS: dict[str, Callable[[Ids], Request]] = {
    "/registry/factories/{factory_id}": lambda i: (f"/registry/factories/{i.factory_id}", None),
    "/registry/factories/{factory_id}/profile": lambda i: (f"/registry/factories/{i.factory_id}/profile", None),
    "/registry/factories/{factory_id}/profiles": lambda i: (f"/registry/factories/{i.factory_id}/profiles", None),
    "/registry/factories/{factory_id}/profiles/{profile_version}":
        lambda i: (f"/registry/factories/{i.factory_id}/profiles/1", None),
    "/registry/factories/{factory_id}/supply-chain/upstream":
        lambda i: (f"/registry/factories/{i.factory_id}/supply-chain/upstream", None),
    "/registry/factories/{factory_id}/supply-chain/downstream":
        lambda i: (f"/registry/factories/{i.factory_id}/supply-chain/downstream", None),
    "/audits/audits": lambda i: ("/audits/audits", {"factory_id": i.factory_id}),
    "/audits/audits/{audit_id}": lambda i: (f"/audits/audits/{i.audit_id}", None),
    "/caps/caps": lambda i: ("/caps/caps", {"factory_id": i.factory_id}),
    "/caps/caps/{cap_id}": lambda i: (f"/caps/caps/{i.cap_id}", None),
    "/caps/caps/{cap_id}/record": lambda i: (f"/caps/caps/{i.cap_id}/record", None),
    "/evidence/caps/{cap_id}/items/{item_id}/files":
        lambda i: (f"/evidence/caps/{i.cap_id}/items/{i.item_id}/files", None),
    "/evidence/files/{evidence_id}": lambda i: (f"/evidence/files/{i.evidence_id}", None),
    "/evidence/files/{evidence_id}/download": lambda i: (f"/evidence/files/{i.evidence_id}/download", None),
}
# A member's own link record: it exists once the member linked the site, and shows only its own link.
LINK_HISTORY = "/access/links/{factory_id}/history"
# Reads that are not about one site, each checked by the member checks below (own data only, or shared).
OTHER_READS = {
    "/access/.well-known/jwks.json", "/access/keys", "/access/organisations", "/access/organisations/me",
    "/access/organisations/{organisation_id}", "/access/links", "/access/users", "/access/clients",
    "/access/code-of-conduct/current", "/access/code-of-conduct/signatures",
    "/registry/factories", "/registry/search", "/registry/duplicates",
    "/audits/mandates", "/audits/questionnaire", "/audits/sampling", "/audits/risk/countries", "/audits/risk/supply-chain",
    "/notifier/inbox", "/notifier/webhooks", "/notifier/recipients", "/notifier/deliveries",
    "/access/link-requests", "/access/factory-links", "/access/member-groups",
    "/audits/rules", "/caps/rules", "/caps/record-keys",
    "/audits/rules/{kind}/versions", "/audits/rules/{kind}/versions/{version}",
    "/caps/rules/deadlines/versions", "/caps/rules/deadlines/versions/{version}",
}
CHECKED_READS = set(SITE_READS) | {LINK_HISTORY} | OTHER_READS


def get_endpoints(client: PlatformClient) -> set[str]:
    return {path for prefix in SERVICE_PREFIXES for path, operations in client.openapi(prefix)["paths"].items()
            if "get" in operations}


@dataclass
class Module:
    stack: Stack
    operator: PlatformClient
    pool: list[PoolSite]
    label: str
    absent: dict[str, tuple[int, str]]  # template -> (status, masked body) for unknown ids
    unknown: Ids
    ledger: LinkLedger  # members 0..MEMBERS-1, then the sentinels
    must_hear: list[set[tuple[str, str, str]]]  # per member: (factory_id, type, marker) of activity events
    group_id: str  # of the members in REVEALED
    examples: int = 0

    @property
    def members(self) -> list[PlatformClient]:
        return self.ledger.clients[:MEMBERS]

    @property
    def member_ids(self) -> list[str]:
        return self.ledger.member_ids[:MEMBERS]

    def foreign_to(self, m: int) -> set[str]:
        """The ids of every member in the world that member ``m`` may not see: not its own, not its group's."""
        everyone = set(self.ledger.member_ids) | {i for site in self.pool for i in site.member_ids}
        return everyone - {self.ledger.member_ids[o] for o in range(len(self.ledger.member_ids))
                           if self.ledger.together(m, o)}

    def assert_names_no_other_member(self, m: int, what: str, body: object) -> None:
        text = json.dumps(body)
        shown = sorted(i for i in self.foreign_to(m) if i in text)
        assert not shown, f"member {m} reads another member's id in {what}: {shown}"


@pytest.fixture(scope="module")
def module(stack: Stack) -> Iterator[Module]:
    operator = PlatformClient.login(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    tag = uuid.uuid4().hex[:6]
    names = [f"Property brand {m} {tag}" for m in range(MEMBERS)] + [
        f"Sentinel brand {n} {tag}" for n in range(SENTINELS)] + [f"Stranger brand {tag}"]
    with ThreadPoolExecutor(4) as workers:  # the pool waits on events while the members' secrets are hashed
        pool_built = workers.submit(build_pool, stack.gateway_url, stack.operator_client_id,
                                    stack.operator_client_secret, POOL_SITES)
        registered = list(workers.map(lambda name: register_member(operator, stack.gateway_url, name), names))
        pool = pool_built.result()
    *accounts, (stranger, _) = registered
    for client, member_id in accounts[:MEMBERS]:
        client.register_recipient(f"{member_id}@example.org", "daily_digest")
    label = pool[0].cast.factory.factory(pool[0].factory_id)["name"].rsplit("-", 1)[0]
    unknown = Ids.unknown()
    absent = {}
    for template in [*SITE_READS, LINK_HISTORY]:
        path, params = read_request(template, unknown)
        response = stranger.send("GET", path, params=params)
        assert response.status_code == 404, (path, response.status_code, response.text)
        absent[template] = (404, unknown.mask(response.json()))
    stranger.close()
    ledger = LinkLedger(pool, [client for client, _ in accounts], [member_id for _, member_id in accounts],
                        groups=[REVEALED])
    group = operator.call("POST", "/access/member-groups", json={
        "name": f"Property group {tag}", "member_ids": [ledger.member_ids[m] for m in sorted(REVEALED)],
        "agreement": "Both property brands agreed in writing"})
    # Every service that names members knows the group before the first link is played.
    wait_until_handled(stack.kafka_bootstrap, NAMING_SERVICES, topics.ACCESS)
    yield Module(stack, operator, pool, label, absent, unknown, ledger,
                 [set() for _ in range(MEMBERS)], group["group_id"])
    operator.send("DELETE", f"/access/member-groups/{group['group_id']}")
    for client in (operator, *ledger.clients):
        client.close()
    for site in pool:
        site.cast.close()


def read_request(template: str, ids: Ids) -> Request:
    if template == LINK_HISTORY:
        return f"/access/links/{ids.factory_id}/history", None
    return SITE_READS[template](ids)


def test_every_read_endpoint_of_every_service_is_checked(module: Module) -> None:
    unchecked = get_endpoints(module.operator) - CHECKED_READS
    assert not unchecked, f"GET endpoints this property does not check yet: {sorted(unchecked)}"
    gone = CHECKED_READS - get_endpoints(module.operator)
    assert not gone, f"checked endpoints no service offers any more: {sorted(gone)}"


def assert_hidden(client: PlatformClient, module: Module, template: str, ids: Ids, who: str) -> None:
    path, params = read_request(template, ids)
    response = client.send("GET", path, params=params)
    status, body = module.absent[template]
    assert response.status_code == status, f"{who}: {path} answered {response.status_code}, an unknown id {status}"
    assert ids.mask(response.json()) == body, f"{who}: {path} answers unlike an unknown id: {response.text}"


def assert_short_lived_download(client: PlatformClient, evidence_id: str, fetch: bool) -> None:
    download = client.evidence_download(evidence_id)
    assert 0 < download["expires_in"] <= DOWNLOAD_URL_MAX_SECONDS
    query = parse_qs(urlsplit(download["url"]).query)
    assert query["X-Amz-Expires"] == [str(download["expires_in"])], "the signed expiry differs from the one stated"
    if fetch:
        with httpx.Client(timeout=10.0, trust_env=False) as s3:
            assert hashlib.sha256(s3.get(download["url"]).content).digest() == hashlib.sha256(SAMPLE_PDF).digest()


def check_linked_site(client: PlatformClient, module: Module, s: int, linked: set[int]) -> None:
    """A member linked to site ``s`` reads all of it; ``linked`` are the pool sites it is linked to."""
    pool, site = module.pool, module.pool[s]
    registered = client.factory(site.factory_id)
    assert registered["factory_id"] == site.factory_id
    profile = client.profile(site.factory_id)
    assert profile["profile_version"] == site.profile_versions
    assert client.profile(site.factory_id, 1)["profile_version"] == 1
    profiles = client.profile_history(site.factory_id)
    assert [v["profile_version"] for v in profiles] == list(range(1, site.profile_versions + 1))
    upstream = client.supply_chain(site.factory_id, "upstream")["sites"]
    assert [e["site"]["factory_id"] for e in upstream] == sorted(pool[sub].factory_id for sub in site.subcontractors)
    assert all(set(e["site"]) == CARD_KEYS and e["processes"] for e in upstream)
    downstream = client.supply_chain(site.factory_id, "downstream")["sites"]
    contractors = {c for c, other in enumerate(pool) if s in other.subcontractors}
    assert {e["site"]["factory_id"] for e in downstream} == {pool[c].factory_id for c in contractors}
    for entry in downstream:
        assert set(entry["site"]) == CARD_KEYS
        contractor = next(c for c in contractors if pool[c].factory_id == entry["site"]["factory_id"])
        # A contractor's processes are its profile data: only for members linked to it.
        assert (entry["processes"] is not None) == (contractor in linked)
    audits = client.audits_of_factory(site.factory_id)
    assert site.audit_id in {a["audit_id"] for a in audits}
    audit = client.audit(site.audit_id)
    assert audit["report"]["findings"], "a linked member reads the full report"
    caps = client.caps_of_factory(site.factory_id)
    assert site.cap_id in {c["cap_id"] for c in caps}
    cap = client.cap(site.cap_id)
    item = next(i for i in cap["items"] if i["item_id"] == site.item_id)
    assert item["evidence_ids"] == site.evidence_ids
    # Who mandated and who decided: a linked member (the site's mandating member is in no group).
    assert audit["member_id"] == LINKED_MEMBER
    assert [(d["member_id"], d["decided_by"], d["comment"]) for d in item["decisions"]] == [
        (LINKED_MEMBER, LINKED_MEMBER, "The permit has expired.")]
    files = client.evidence_files(site.cap_id, site.item_id)
    assert [e["evidence_id"] for e in files] == site.evidence_ids
    assert client.call("GET", f"/evidence/files/{site.evidence_ids[-1]}")["factory_id"] == site.factory_id
    assert_short_lived_download(client, site.evidence_ids[-1], fetch=True)
    record = client.call("GET", f"/caps/caps/{site.cap_id}/record")
    assert record["cap_id"] == site.cap_id
    m = module.ledger.clients.index(client)
    for what, body in (("the site", registered), ("profiles", [profile, profiles]), ("the supply chain",
                       [upstream, downstream]), ("audits", audits), ("the audit", audit), ("CAPs", caps),
                       ("the CAP", cap), ("evidence", files), ("the CAP record", record)):
        module.assert_names_no_other_member(m, f"{what} of site {s}", body)


def assert_the_same_for_everyone(client: PlatformClient, reference: PlatformClient) -> None:
    """The platform-wide risk view reads the same for ``client`` as for ``reference``, whatever their links.

    Reports that tests running beside this one publish change the view itself: a comparison counts only
    when the caller's view did not change while the reference's was read.
    """
    for _ in range(10):
        mine, theirs, again = client.risk_by_country(), reference.risk_by_country(), client.risk_by_country()
        if mine == again:
            assert mine == theirs, "the shared risk view does not depend on the caller's links"
            return
    pytest.fail("the shared risk view kept changing while it was compared")


def check_member(module: Module, m: int) -> None:
    ledger, pool = module.ledger, module.pool
    client, member_id = ledger.clients[m], ledger.member_ids[m]
    who = f"member {m}"
    linked = {s for s in range(len(pool)) if (m, s) in ledger.linked}
    pool_ids = {site.factory_id for site in pool}
    last_linked: dict[str, datetime] = {}  # factory_id -> the end of the member's last link to it

    # Site by site, in every service.
    for s, site in enumerate(pool):
        ids = Ids.of(site)
        if s in linked:
            check_linked_site(client, module, s, linked)
        else:
            for template in SITE_READS:
                assert_hidden(client, module, template, ids, who)
            for evidence_id in site.evidence_ids[1:]:
                assert_hidden(client, module, "/evidence/files/{evidence_id}/download",
                              Ids(*(ids.factory_id, ids.audit_id, ids.cap_id, ids.item_id, evidence_id)), who)
        if (m, s) in ledger.ever:
            history = client.call("GET", f"/access/links/{site.factory_id}/history")
            module.assert_names_no_other_member(m, f"its link history of site {s}", history)
            assert history["member_id"] == member_id and history["factory_id"] == site.factory_id
            assert history["active"] == (s in linked)
            unlinked_at = [moment(change["at"]) for change in history["history"] if change["step"] == "ended"]
            last_linked[site.factory_id] = datetime.max.replace(tzinfo=UTC) if s in linked else max(unlinked_at)
        else:
            assert_hidden(client, module, LINK_HISTORY, ids, who)

    # Lists and searches: the linked sites, and cards only.
    assert {f["factory_id"] for f in client.factories()} & pool_ids == {pool[s].factory_id for s in linked}
    own_links = client.links()
    assert {link["factory_id"] for link in own_links} == {pool[s].factory_id for s in linked}
    module.assert_names_no_other_member(m, "its links", own_links)
    found = client.search_factories(name=module.label)
    assert pool_ids <= {card["factory_id"] for card in found}, "search finds any site..."
    assert all(set(card) == CARD_KEYS | {"score"} for card in found), "...as its card only"
    own_risk = client.risk_of_supply_chain()["cells"]
    assert max((cell["factories"] for cell in own_risk), default=0) == len(linked)
    assert_the_same_for_everyone(client, module.members[(m + 1) % MEMBERS])

    # Its own organisation only.
    assert client.my_organisation()["organisation_id"] == member_id
    assert client.call("GET", f"/access/organisations/{member_id}")["organisation_id"] == member_id
    for other in [*(i for n, i in enumerate(module.member_ids) if n != m), pool[0].factory_org.organisation_id]:
        for path in (f"/access/organisations/{other}", "/access/users", "/access/code-of-conduct/signatures"):
            params = None if path.startswith("/access/organisations") else {"organisation_id": other}
            response = client.send("GET", path, params=params)
            assert response.status_code == 404 and other not in response.text, (who, path, response.text)
    # The directory holds audit companies only (to mandate one), never another member or a factory.
    assert {entry["kind"] for entry in client.call("GET", "/access/organisations", params={"limit": 200})} <= {
        "audit_company"}
    # Nor does it list who asks to link to a site, or who is linked to it: that is the factory's.
    for path in ("/audits/mandates", "/registry/duplicates", "/access/link-requests", "/access/factory-links"):
        assert client.send("GET", path).status_code == 403, (who, path)
    assert client.call("GET", "/access/users") == [] and client.call("GET", "/access/clients") == []
    # Its member groups: the one it agreed to, with its fellow members' names, or none; never the agreement.
    groups = client.call("GET", "/access/member-groups")
    peers = {module.member_ids[o] for o in REVEALED} if m in REVEALED else set()
    assert [{member["member_id"] for member in group["members"]} for group in groups] == ([peers] if peers else [])
    assert all(group["agreement"] is None for group in groups)
    for path in ("/audits/rules", "/caps/rules", "/caps/record-keys"):
        assert client.send("GET", path).status_code == 200, (who, path)
    # The rule versions the operator published are the platform's, the same for everyone, naming nobody.
    for versions in ("/audits/rules/rating/versions", "/caps/rules/deadlines/versions"):
        listed = client.call("GET", versions)
        in_force = next(version["version"] for version in listed if version["in_force"])
        module.assert_names_no_other_member(m, versions, client.call("GET", f"{versions}/{in_force}"))
    assert client.call("GET", "/access/code-of-conduct/signatures") == []
    assert client.send("GET", "/access/keys").status_code == 403
    assert set(client.call("GET", "/access/.well-known/jwks.json")) == {"keys"}
    assert client.current_code_of_conduct()["version"]
    assert client.questionnaire()["questions"] and client.sample_size(420)["interviews"]

    assert [r["email"] for r in client.call("GET", "/notifier/recipients")] == [f"{member_id}@example.org"]
    assert client.webhooks() == []
    # The last events (the second sentinel's links) may still be on their way to this member.
    eventually(lambda: check_feed_and_inbox(module, m, last_linked), timeout=30.0, interval=0.25)


def check_feed_and_inbox(module: Module, m: int, last_linked: dict[str, datetime]) -> None:
    ledger, pool = module.ledger, module.pool
    client, member_id = ledger.clients[m], ledger.member_ids[m]
    who = f"member {m}"
    linked = {s for s in range(len(pool)) if (m, s) in ledger.linked}
    pool_ids = {site.factory_id for site in pool}
    feed = read_feeds(module.stack.kafka_bootstrap, [member_id])[member_id]
    # The feed topic: exactly the events of sites it was linked to when they happened.
    feed = list({envelope["event_id"]: envelope for envelope in feed}.values())
    assert {envelope["key"] for envelope in feed} <= pool_ids, f"{who}'s feed carries a site it never linked"
    links_heard = Counter((e["type"], e["payload"]["member_id"], e["key"]) for e in feed if e["type"] in LINK_TYPES)
    assert links_heard == ledger.heard[m], f"{who}'s feed has the wrong link events"
    news = [e for e in feed if e["type"] not in LINK_TYPES]
    heard = {(e["key"], e["type"], marker(e)) for e in news}
    assert module.must_hear[m] <= heard, f"{who} missed {module.must_hear[m] - heard}"
    # An event may reach a member that links later (notifier had not handled it yet), never one that left before.
    leaked = [(e["type"], e["key"], e["occurred_at"]) for e in news
              if e["key"] not in last_linked or moment(e["occurred_at"]) > last_linked[e["key"]]]
    assert not leaked, f"{who} heard of sites after its link ended: {leaked}"

    # The inbox: what the feed carried about the sites still linked; the delivery log: its own, from the feed.
    module.assert_names_no_other_member(m, "its feed", feed)
    inbox = client.inbox(limit=500)
    module.assert_names_no_other_member(m, "its inbox", inbox)
    still = {pool[s].factory_id for s in linked}
    assert {entry["event_id"] for entry in inbox} == {e["event_id"] for e in feed if e["key"] in still}
    assert {entry["factory_id"] for entry in inbox} <= still
    deliveries = client.deliveries(limit=500)
    assert {d["event_id"] for d in deliveries} <= {e["event_id"] for e in feed}
    assert {d["target"] for d in deliveries} <= {f"{member_id}@example.org"}


@st.composite
def worlds(draw: st.DrawFn) -> World:
    steps = st.lists(st.tuples(st.integers(0, MEMBERS - 1), st.integers(0, POOL_SITES - 1), st.booleans()),
                     max_size=MAX_STEPS)
    activity = {}
    for s in range(POOL_SITES):
        others = [o for o in range(POOL_SITES) if o != s]
        profile = draw(st.none() | st.lists(st.sampled_from(others), unique=True))
        evidence = draw(st.booleans())
        if profile is not None or evidence:
            activity[s] = Activity(profile, evidence)
    return World(draw(steps), activity, draw(steps))


def play(module: Module, world: World) -> None:
    """Play the world on top of the current links, then wait until every service has caught up."""
    ledger, pool = module.ledger, module.pool
    first, second = MEMBERS + 2 * (module.examples % 2), MEMBERS + 2 * (module.examples % 2) + 1
    module.examples += 1
    for sentinel in (first, second):
        eventually(lambda s=sentinel: ledger.sentinel_gone_everywhere(s), timeout=60.0, interval=0.25)
    for m, s, link in world.before:
        ledger.play(m, s, link)
    # The first sentinel links last: every service has the link changes so far; it stays linked during the activity.
    ledger.settle(first)
    during = set(ledger.linked)
    produced = perform_activity(pool, world.activity)
    # The first sentinel hears of the activity (and what it set off in other services) before anyone moves on:
    # an event born after an unlink the notifier had not handled yet would reach the member (a projection lags).
    eventually(lambda: inbox_holds(ledger.clients[first], pool, produced), timeout=60.0, interval=0.25)
    touched = set()
    for m, s, link in world.after:
        touched.add((m, s))
        ledger.play(m, s, link)
    # Who must hear of the activity: the members linked then and untouched since.
    for s, events in produced.items():
        for m in range(MEMBERS):
            if (m, s) in during and (m, s) not in touched:
                module.must_hear[m] |= {(pool[s].factory_id, kind, mark) for kind, mark in events}
    ledger.settle(second)


def leave(module: Module) -> None:
    """The sentinels of this example unlink; they are seen gone before their next turn."""
    for sentinel in range(MEMBERS, MEMBERS + SENTINELS):
        for site in range(len(module.pool)):
            if (sentinel, site) in module.ledger.linked:
                module.ledger.play(sentinel, site, False)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
# Always covered: a link lost after the activity, a link won after it, a subcontractor seen from both sides.
@example(world=World(before=[(0, 0, True), (1, 1, True), (0, 1, True)],
                     activity={0: Activity([1], True), 1: Activity(None, True)},
                     after=[(0, 0, False), (2, 0, True), (1, 1, False), (1, 1, True)]))
def test_no_read_and_no_feed_shows_a_member_a_site_it_is_not_linked_to(module: Module, world: World) -> None:
    try:
        play(module, world)
        for m in range(MEMBERS):
            check_member(module, m)
    finally:
        leave(module)


def test_factories_auditors_and_the_operator_see_exactly_their_share(module: Module) -> None:
    pool, operator = module.pool, module.operator
    for s, site in enumerate(pool):
        own = Ids.of(site)
        factory, auditor = site.cast.factory, site.cast.auditor
        # The factory account: its own site, the rating summary of its audits, never the findings.
        assert factory.factory(site.factory_id)["factory_id"] == site.factory_id
        assert factory.profile(site.factory_id)["profile_version"] >= 1
        summary = factory.audit(site.audit_id)["report"]
        assert summary["letter"] and summary["findings"] is None
        assert [a["report"]["findings"] for a in factory.audits_of_factory(site.factory_id)] == [None]
        cap_seen = factory.cap(site.cap_id)
        assert cap_seen["factory_id"] == site.factory_id
        # The factory sees who mandated its audit and who decided on its evidence; so do the audit company
        # (of its mandate) and the operator.
        decided = [d["member_id"] for i in cap_seen["items"] for d in i["decisions"]]
        assert decided == [site.mandating_member_id]
        assert factory.audit(site.audit_id)["member_id"] == site.mandating_member_id
        assert auditor.audit(site.audit_id)["member_id"] == site.mandating_member_id
        assert [d["member_id"] for i in operator.cap(site.cap_id)["items"] for d in i["decisions"]] == decided
        assert [e["evidence_id"] for e in factory.evidence_files(site.cap_id, site.item_id)] == site.evidence_ids
        assert_short_lived_download(factory, site.evidence_ids[0], fetch=False)
        assert {f["factory_id"] for f in factory.factories()} <= {site.factory_id}
        assert_hidden(factory, module, LINK_HISTORY, own, f"factory {s}")
        # The audit company: the audit it was mandated for, nothing else of the site.
        assert auditor.audit(site.audit_id)["report"]["findings"]
        assert [a["audit_id"] for a in auditor.audits_of_factory(site.factory_id)] == [site.audit_id]
        for template in SITE_READS:
            if template not in ("/audits/audits", "/audits/audits/{audit_id}"):
                assert_hidden(auditor, module, template, own, f"auditor {s}")
        for o, other in enumerate(pool):
            if o == s:
                continue
            theirs = Ids.of(other)
            for template in SITE_READS:
                assert_hidden(factory, module, template, theirs, f"factory {s} reading site {o}")
            assert_hidden(auditor, module, "/audits/audits/{audit_id}", theirs, f"auditor {s} reading site {o}")
            # An audit company lists only its own mandates: for another site, the same empty list as for none.
            assert auditor.audits_of_factory(other.factory_id) == []
            assert auditor.audits_of_factory(module.unknown.factory_id) == []
        # ... and among its mandates, only its own.
        assert [m["audit_id"] for m in auditor.call("GET", "/audits/mandates")] == [site.audit_id]
        assert factory.send("GET", "/audits/mandates").status_code == 403
        for account in (factory, auditor):
            for path in ("/notifier/inbox", "/audits/risk/supply-chain", "/access/organisations",
                         "/registry/duplicates"):
                assert account.send("GET", path).status_code == 403, path
        # The operator: everything.
        for template, request in SITE_READS.items():
            path, params = request(own)
            assert operator.send("GET", path, params=params).status_code == 200, template
    for path in ("/access/organisations", "/registry/duplicates"):
        assert operator.send("GET", path).status_code == 200, path
