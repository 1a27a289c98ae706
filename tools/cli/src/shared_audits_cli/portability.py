"""Data portability: a member brings its export archive into another instance (or account).

The archive itself is built by the client package (shared_audits_client.portability), which the
portal and members' own systems share. Importing it, in order, and nothing before the first step
holds:

1. every CAP record in the archive is verified offline (as ``shared-audits verify``): a record
   that does not hold stops the import before anything is sent;
2. the sites are matched in this instance's registry: with the operator's credentials through
   ``POST /registry/imports/factories`` (the ids kept; a site that looks like a registered one is
   held for the operator's review, not imported), or else by the member's own search (same id,
   or a shared identifier); a site not matched is reported, never guessed;
3. the member asks to link to each matched site, with the relationship it had. Each link opens
   when its factory accepts: the factory's consent is not carried over from another instance.
   A site the registry has just imported is known to access-control a moment later (by its
   FactoryRegistered event): until then its link request answers 404, and is asked again.

Audits, CAPs and evidence are not copied: they belong to the factories and the audits of this
instance, and a member sees them here once linked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared_audits_cli import record_verification
from shared_audits_client.api import ApiError, PlatformClient
from shared_audits_client.portability import ExportArchive

Progress = Callable[[str], None]
# What the registry's import takes of a site (RegisterFactory's fields), read from the exported site.
SITE_FIELDS = ("name", "country", "city", "address", "legal_name", "coordinates", "sector", "sectors",
               "product_types", "identifiers", "contact", "number_of_workers", "location_type", "processing_type")
IMPORT_BATCH = 1000
# How long a link request waits for access-control to learn of a site the registry has just imported.
NEW_SITE_WAIT_SECONDS = 30.0


class RecordsDoNotVerify(Exception):
    """At least one CAP record of the archive does not hold: nothing is imported."""

    def __init__(self, failures: dict[str, record_verification.Verification]) -> None:
        self.failures = failures
        super().__init__(", ".join(failures))


@dataclass
class ImportResult:
    verified_records: int = 0
    matched: dict[str, str] = field(default_factory=dict)  # exported factory id -> this instance's
    imported_sites: int = 0  # new in this registry (operator mode)
    proposed: dict[str, list[dict]] = field(default_factory=dict)  # held for review: id -> candidates
    not_found: list[str] = field(default_factory=list)  # member mode: no match, for the operator to import
    requested: list[str] = field(default_factory=list)  # asked: each factory accepts (or not) on its side
    already_linked: list[str] = field(default_factory=list)  # active, or a request already pending
    refused: dict[str, str] = field(default_factory=dict)


def verify_records(archive: ExportArchive, trusted: list[dict] | None = None) -> int:
    """Verify every record of the archive offline; how many. RecordsDoNotVerify when one does not hold."""
    failures = {}
    records = archive.records
    for path, document in records.items():
        result = record_verification.verify_record(document, trusted)
        if not result.ok:
            failures[path] = result
    if failures:
        raise RecordsDoNotVerify(failures)
    return len(records)


def _site(factory: dict) -> dict:
    site = {name: factory[name] for name in SITE_FIELDS if factory.get(name) not in (None, [], {})}
    if isinstance(site.get("identifiers"), dict):
        site["identifiers"] = {k: v for k, v in site["identifiers"].items() if v not in (None, [], "")}
    return {"factory_id": factory["factory_id"], **site}


def match_with_operator(operator: PlatformClient, factories: list[dict], result: ImportResult) -> None:
    """The registry's import: new sites come in with their ids, known ids are matched, lookalikes held."""
    for start in range(0, len(factories), IMPORT_BATCH):
        batch = factories[start:start + IMPORT_BATCH]
        try:
            outcome = operator.call("POST", "/registry/imports/factories",
                                    json={"factories": [_site(factory) for factory in batch]})
        except ApiError as error:  # the batch refused as a whole (a field this registry does not take)
            result.refused.update({factory["factory_id"]: str(error.problem.get("detail", error)) for factory in batch})
            continue
        result.imported_sites += outcome["imported"]
        held = {record["factory_id"]: record["candidates"] for record in outcome["proposed_duplicates"]}
        rejected = {record["factory_id"]: record.get("detail", "") for record in outcome["rejected"]}
        result.proposed.update(held)
        result.refused.update(rejected)
        for factory in batch:
            if factory["factory_id"] not in held and factory["factory_id"] not in rejected:
                result.matched[factory["factory_id"]] = factory["factory_id"]


def _identifiers(site: dict) -> set[tuple[str, str]]:
    identifiers = site.get("identifiers") or {}
    return {(name, str(value)) for name, value in identifiers.items() if value not in (None, "", [])}


def match_by_search(client: PlatformClient, factories: list[dict], result: ImportResult) -> None:
    """The member's own search: the same id, or a site sharing an identifier, in the same country."""
    for factory in factories:
        try:
            found = client.search_factories(name=factory["name"], country=factory["country"])
        except ApiError:
            found = []
        same = [site for site in found if site["factory_id"] == factory["factory_id"]]
        same = same or [site for site in found if _identifiers(site) & _identifiers(factory)]
        if same:
            result.matched[factory["factory_id"]] = same[0]["factory_id"]
        else:
            result.not_found.append(factory["factory_id"])


def request_link(client: PlatformClient, factory_id: str, relationship: str, wait: float = 0.0,
                 interval: float = 0.2) -> dict:
    """The member's link request; a 404 is asked again for ``wait`` seconds (a site just imported is known to
    access-control once its event has arrived)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return client.link_factory(factory_id, relationship)
        except ApiError as error:
            if error.status != 404 or time.monotonic() >= deadline:
                raise
        time.sleep(interval)


def import_archive(
    client: PlatformClient, archive: ExportArchive, operator: PlatformClient | None = None,
    trusted_keys: list[dict] | None = None, progress: Progress = lambda _: None,
) -> ImportResult:
    """Bring an export into the caller's organisation (see the module's docstring for the steps)."""
    document = archive.document
    result = ImportResult(verified_records=verify_records(archive, trusted_keys))
    linked_to = {link["factory_id"] for link in document["links"] if link.get("active", True)}
    factories = {factory["factory_id"]: factory for factory in document.get("factories", [])}
    # A v1 export or a pending request names a site the export holds no details of: only its id.
    wanted = [factories.get(factory_id) for factory_id in linked_to]
    if operator is not None:
        match_with_operator(operator, [factory for factory in wanted if factory], result)
    else:
        match_by_search(client, [factory for factory in wanted if factory], result)
    for factory_id in linked_to - factories.keys():
        result.matched.setdefault(factory_id, factory_id)

    current = {link["factory_id"] for link in client.links()}  # active links and pending requests
    for link in document["links"]:
        exported_id = link["factory_id"]
        if not link.get("active", True) or exported_id not in result.matched:
            continue
        factory_id = result.matched[exported_id]
        if factory_id in current:
            result.already_linked.append(factory_id)
        else:
            try:
                request_link(client, factory_id, link.get("relationship", "supplier"),
                             wait=NEW_SITE_WAIT_SECONDS if operator is not None else 0.0)
                result.requested.append(factory_id)
            except ApiError as error:
                result.refused[exported_id] = str(error.problem.get("detail", error))
        progress(exported_id)
    return result
