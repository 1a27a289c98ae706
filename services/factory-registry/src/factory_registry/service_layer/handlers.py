"""Use cases of factory-registry: sites, duplicates, merges, search, profiles, supply chain."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime

from factory_registry.domain.errors import (
    DuplicateIdentifierError,
    FactoryMergedError,
    InvalidFieldsError,
    PossibleDuplicateError,
    field_problem,
)
from factory_registry.domain.identifier_claims import claim_abandoned
from factory_registry.domain.matching import (
    DuplicateReview,
    Match,
    duplicate_matches,
    duplicate_pairs,
    import_review,
    index_site,
    lookup_keys,
    reader_for,
)
from factory_registry.domain.model import Factory, SiteDetails, site_card
from factory_registry.domain.profile import FactoryProfile, ProfileContent, rule_problems
from factory_registry.domain.rules import RegistryRules
from factory_registry.domain.search import SearchCriteria, search_score
from factory_registry.service_layer.ports import FactoryStore, IdentifierClaims, ProfileVersions, SiteIndex
from shared_audits.auth import Principal
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory

# Duplicate detection and search compare in the process; beyond this many sites use a text index
# (a documented bound: the README and the search route say it).
SCAN_LIMIT = 20_000
# Lists answer a page at a time, with the cursor of the next page (routes: `Link: rel="next"`).
FACTORIES_PAGE = 500
PROFILES_PAGE = 100


# What one request compares: this many sites, and at most this many of their pairs scored
# (each limit about a second on one core).
PAIR_SCAN_LIMIT = 5_000
PAIRS_SCORED_LIMIT = 200_000


@dataclass(frozen=True)
class SupplyChainLink:
    """A site on the other side of a process; ``processes`` is None when the caller may not see them."""

    site: Factory
    processes: list[str] | None


@dataclass(frozen=True)
class ImportRecord:
    """One site of an import file, with the operator's decision on a proposed duplicate, if any."""

    factory_id: str
    details: SiteDetails
    confirm_new: bool = False  # a new site even though it looks like another
    merge_into: str | None = None  # the same site as this registered one: imported merged into it


@dataclass(frozen=True)
class HeldRecord:
    """A record not imported: it looks like registered sites or earlier records of the file."""

    factory_id: str
    name: str
    candidates: list[Match]


@dataclass
class FactoryImport:
    """What one import request did: new sites, sites already there (a re-run), records imported merged
    into a site, records held for the operator's review, and refused records."""

    imported: int
    already_imported: int
    rejected: list[dict[str, str]]
    merged: int = 0
    held_for_review: list[HeldRecord] = dataclass_field(default_factory=list)


# Candidates one import request reads by their keys (names with their numbers, grid cells, identifiers).
IMPORT_CANDIDATES_LIMIT = 50_000


def _held_elsewhere(factory_id: str, keys: list[str]) -> dict[str, str]:
    return {"factory_id": factory_id, "detail": f"identifiers held by another site: {keys}"}


@dataclass
class FactoryRegistry:
    factories: FactoryStore
    profiles: ProfileVersions
    identifiers: IdentifierClaims
    site_index: SiteIndex
    links: LinkProjection
    rules: RegistryRules
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())

    # --- sites -------------------------------------------------------------------------------

    async def register_factory(self, caller: Principal, details: SiteDetails, confirm_new: bool = False) -> Factory:
        """Register a site unless its identifiers are taken or, unconfirmed, it looks like a known one."""
        if not (caller.is_operator or caller.is_member):
            raise PermissionDeniedError("only the operator or a member registers a production site")
        now = self.clock()
        keys = details.identifiers.keys()
        replaceable = await self._check_identifiers_free(keys, now)
        rules = self.rules.duplicates
        if not confirm_new:
            wanted = lookup_keys(reader_for(rules).site(details), rules)
            candidates = await self.site_index.sharing(wanted, limit=SCAN_LIMIT)
            matches = duplicate_matches(details, candidates, rules)
            if matches:
                raise PossibleDuplicateError(
                    [{**site_card(m.site), "score": m.score, "matched_on": m.matched_on} for m in matches]
                )
        factory = index_site(Factory.register(self.new_id(), details, caller.organisation_id, now), rules)
        for key in keys.values():
            await self.identifiers.claim(key, factory.id, now, replacing=replaceable.get(key))
        await self.factories.add(factory)
        return factory

    async def import_factories(self, caller: Principal, records: list[ImportRecord]) -> FactoryImport:
        """The operator loads sites (with their ids) from the system the platform replaces, in bulk.

        A record that looks like a registered site or an earlier record of the file (the duplicate
        rule of registration) is held for review, not imported: the operator sends it again with
        ``confirm_new`` (a new site) or ``merge_into`` (the same site as that one: imported merged
        into it, so its id redirects there). Identifiers are claimed; a re-run skips what is in.
        """
        if not caller.is_operator:
            raise PermissionDeniedError("only the operator imports production sites")
        now, rules = self.clock(), self.rules.duplicates
        existing = await self.site_index.existing_ids([record.factory_id for record in records])
        fresh = [record for record in records if record.factory_id not in existing]
        sites = {record.factory_id: index_site(Factory.register(record.factory_id, record.details,
                                                                caller.organisation_id, now), rules)
                 for record in fresh}
        reader = reader_for(rules)
        wanted = sorted({key for record in fresh if not (record.confirm_new or record.merge_into)
                         for key in lookup_keys(reader.site(record.details), rules)})
        registered = [site for site in await self.site_index.sharing(wanted, limit=IMPORT_CANDIDATES_LIMIT)
                      if site.id not in sites]
        proposals = import_review([(sites[r.factory_id], r.confirm_new or r.merge_into is not None) for r in fresh],
                                  registered, rules)
        held = [HeldRecord(r.factory_id, r.details.name, proposals[r.factory_id])
                for r in fresh if r.factory_id in proposals]
        new = [r for r in fresh if r.factory_id not in proposals and r.merge_into is None]
        imported, rejected, written_meanwhile = await self._claim_and_add(new, sites, now)
        merged, merge_rejected = await self._import_merged([r for r in fresh if r.merge_into], sites, imported)
        return FactoryImport(imported=len(imported), already_imported=len(records) - len(fresh) + written_meanwhile,
                             rejected=rejected + merge_rejected, merged=merged, held_for_review=held)

    async def _claim_and_add(self, records: list[ImportRecord], sites: dict[str, Factory],
                             now: datetime) -> tuple[set[str], list[dict[str, str]], int]:
        """Claim the records' identifiers and write them; records whose identifiers another site holds are refused."""
        keys_of = {r.factory_id: list(r.details.identifiers.keys().values()) for r in records}
        known = await self.identifiers.holders(sorted({key for keys in keys_of.values() for key in keys}))
        held = {key: holder for key, (holder, _) in known.items()}
        claims: dict[str, str] = {}
        factories, rejected = [], []
        for record in records:
            taken = [key for key in keys_of[record.factory_id] if held.get(key, record.factory_id) != record.factory_id]
            if taken:
                rejected.append(_held_elsewhere(record.factory_id, taken))
                continue
            for key in keys_of[record.factory_id]:
                if key not in held:
                    claims[key] = held[key] = record.factory_id
            factories.append(sites[record.factory_id])
        lost = set(await self.identifiers.claim_all(claims, now))  # claimed by a registration meanwhile
        for factory in [factory for factory in factories if lost.intersection(keys_of[factory.id])]:
            factories.remove(factory)
            rejected.append(_held_elsewhere(factory.id, sorted(lost.intersection(keys_of[factory.id]))))
            await self.identifiers.release([key for key, holder in claims.items() if holder == factory.id], factory.id)
        existing = set(await self.factories.add_many(factories))  # a parallel run of the same file wrote them
        return {factory.id for factory in factories if factory.id not in existing}, rejected, len(existing)

    async def _import_merged(self, records: list[ImportRecord], sites: dict[str, Factory],
                             imported: set[str]) -> tuple[int, list[dict[str, str]]]:
        """Records the operator said are registered sites: kept, merged into them (their ids redirect).

        Their identifiers are not claimed: the surviving site holds the site's identity.
        """
        merged, rejected = [], []
        for record in records:
            target_id = record.merge_into
            target = await self.factories.get(target_id) if target_id not in imported else sites[target_id]
            for _ in range(5):  # a target merged meanwhile: its survivor
                if target is None or not target.is_merged:
                    break
                target = await self.factories.get(target.merged_into)
            if target is None or target.is_merged or target.id == record.factory_id:
                rejected.append({"factory_id": record.factory_id,
                                 "detail": f"merge_into names no registered site or a record imported here: {target_id}"})
                continue
            site = sites[record.factory_id]
            site.merge_into(target, self.clock())
            merged.append(site)
        existing = set(await self.factories.add_many(merged))
        return len([site for site in merged if site.id not in existing]), rejected

    async def _check_identifiers_free(self, keys: dict[str, str], now: datetime) -> dict[str, str]:
        """Refuse identifiers held by a live site; return stale claims (site never written) to replace."""
        holders = await self.identifiers.holders(list(keys.values()))
        problems, existing, replaceable = [], [], {}
        for field, key in keys.items():
            if key not in holders:
                continue
            holder_id, claimed_at = holders[key]
            holder = await self.factories.get(holder_id)
            if claim_abandoned(claimed_at, holder is not None, now):
                replaceable[key] = holder_id
                continue
            problems.append(field_problem(
                f"body.identifiers.{field}", "already registered to another site", "duplicate_identifier"
            ))
            if holder is not None:
                existing.append(site_card(holder))
        if problems:
            raise DuplicateIdentifierError(problems, existing)
        return replaceable

    async def factory_for(self, caller: Principal, factory_id: str) -> Factory:
        """A site the caller may see; any other id answers as if it did not exist.

        A merged id raises ``FactoryMergedError`` (a redirect) for callers who may see either side.
        """
        factory = await self.factories.get(factory_id)
        if factory is None:
            raise NotFoundError(f"factory {factory_id} not found")
        visible = await may_see_factory(caller, factory_id, self.links)
        if factory.merged_into and (visible or await may_see_factory(caller, factory.merged_into, self.links)):
            raise FactoryMergedError(factory_id, factory.merged_into)
        if not visible:
            raise NotFoundError(f"factory {factory_id} not found")
        return factory

    async def visible_factories(self, caller: Principal, limit: int = FACTORIES_PAGE,
                                after: str | None = None) -> tuple[list[Factory], str | None]:
        """One page of the sites the caller may see, in id order, and the cursor of the next page (None: the last)."""
        if caller.is_operator:
            found = await self.factories.find(limit=limit + 1, after=after)
        else:
            if caller.is_member:
                ids = await self.links.factories_of(caller.organisation_id)
            elif caller.is_factory and caller.factory_id:
                ids = [caller.factory_id]
            else:
                ids = []
            found = []
            for factory_id in sorted(i for i in ids if after is None or i > after):
                if len(found) > limit:
                    break
                if (factory := await self.factories.get(factory_id)) is not None:
                    found.append(factory)
        page = found[:limit]
        return page, (page[-1].id if len(found) > limit else None)

    async def search(self, caller: Principal, criteria: SearchCriteria) -> list[tuple[Factory, float]]:
        """Sites a member may link to: any active site, shown only as a card by the entrypoint."""
        if not (caller.is_operator or caller.is_member):
            raise PermissionDeniedError("only members and the operator search the registry")
        equals = {"country": criteria.country} if criteria.country else {}
        sites = await self.factories.find(limit=SCAN_LIMIT, merged_into=None, **equals)
        scored = [(site, search_score(site, criteria, self.rules.search)) for site in sites]
        found = [(site, score) for site, score in scored if score is not None]
        found.sort(key=lambda pair: (-pair[1], pair[0].name, pair[0].id))
        return found[: self.rules.search.max_results]

    async def duplicates(self, caller: Principal, country: str | None, limit: int) -> DuplicateReview:
        """Pairs of active sites that look like one site, for the operator to merge (or not), best first.

        Compares one country's sites (or every site, blocked by country) up to PAIR_SCAN_LIMIT of
        them in id order, scoring up to PAIRS_SCORED_LIMIT pairs; ``complete`` says whether that was all.
        """
        if not caller.is_operator:
            raise PermissionDeniedError("only the operator reviews duplicate sites")
        equals = {"country": country} if country else {}
        sites = await self.factories.find(limit=PAIR_SCAN_LIMIT + 1, merged_into=None, **equals)
        compared = sites[:PAIR_SCAN_LIMIT]
        # The scoring is CPU work: in a thread, so the service keeps answering meanwhile.
        scan = await asyncio.to_thread(duplicate_pairs, compared, self.rules.duplicates, PAIRS_SCORED_LIMIT)
        return DuplicateReview(scan.pairs[:limit], len(scan.pairs), len(compared),
                               complete=scan.complete and len(sites) <= PAIR_SCAN_LIMIT)

    async def merge(self, caller: Principal, merged_id: str, surviving_id: str) -> Factory:
        """The operator declares two records one site; the merged id points to the survivor from now on."""
        if not caller.is_operator:
            raise PermissionDeniedError("only the operator merges sites")
        if merged_id == surviving_id:
            raise InvalidFieldsError([field_problem("body.surviving_factory_id", "a site cannot merge into itself")])
        merged, surviving = await self.factories.get(merged_id), await self.factories.get(surviving_id)
        for site, wanted in ((merged, merged_id), (surviving, surviving_id)):
            if site is None:
                raise NotFoundError(f"factory {wanted} not found")
            if site.is_merged:
                raise ConflictError(f"factory {wanted} was already merged into {site.merged_into}")
        assert merged is not None and surviving is not None
        merged.merge_into(surviving, self.clock())
        await self.factories.save(merged)
        return merged

    # --- profiles ----------------------------------------------------------------------------

    async def submit_profile(self, caller: Principal, factory_id: str, content: ProfileContent) -> FactoryProfile:
        """The factory's own account submits a new version; earlier versions stay as they were."""
        site = await self.factory_for(caller, factory_id)
        if not (caller.is_factory and caller.factory_id == factory_id):
            raise PermissionDeniedError("only the factory's own account submits its profile")
        problems = rule_problems(content, self.rules)
        for index, process in enumerate(content.processes):
            problem = await self._subcontractor_problem(factory_id, process.subcontractor_id)
            if problem:
                problems.append(field_problem(f"body.processes.{index}.subcontractor_id", problem))
        if problems:
            raise InvalidFieldsError(problems)
        latest = await self.profiles.latest(factory_id)
        next_version = latest.profile_version + 1 if latest else 1
        profile = FactoryProfile.submit(site, next_version, content, self.rules, caller.subject, self.clock())
        await self.profiles.add(profile)
        return profile

    async def _subcontractor_problem(self, factory_id: str, subcontractor_id: str | None) -> str | None:
        if subcontractor_id is None:
            return None
        if subcontractor_id == factory_id:
            return "a site is not its own subcontractor; declare the process internal"
        subcontractor = await self.factories.get(subcontractor_id)
        if subcontractor is None:
            return "no registered site has this id; register the subcontractor first"
        if subcontractor.merged_into:
            return f"this site was merged into {subcontractor.merged_into}; name that one"
        return None

    async def current_profile(self, caller: Principal, factory_id: str) -> FactoryProfile:
        await self.factory_for(caller, factory_id)
        profile = await self.profiles.latest(factory_id)
        if profile is None:
            raise NotFoundError(f"factory {factory_id} has not submitted a profile yet")
        return profile

    async def profile_history(self, caller: Principal, factory_id: str, limit: int = PROFILES_PAGE,
                              after_version: int = 0) -> tuple[list[FactoryProfile], int | None]:
        """One page of the site's versions, oldest first, and the version the next page follows (None: the last)."""
        await self.factory_for(caller, factory_id)
        found = await self.profiles.page_of(factory_id, limit + 1, after_version)
        page = found[:limit]
        return page, (page[-1].profile_version if len(found) > limit else None)

    async def profile_version(self, caller: Principal, factory_id: str, profile_version: int) -> FactoryProfile:
        await self.factory_for(caller, factory_id)
        profile = await self.profiles.version(factory_id, profile_version)
        if profile is None:
            raise NotFoundError(f"factory {factory_id} has no profile version {profile_version}")
        return profile

    # --- supply chain ------------------------------------------------------------------------

    async def upstream(self, caller: Principal, factory_id: str) -> list[SupplyChainLink]:
        """The subcontractors the site's current profile names, with the processes they do for it."""
        await self.factory_for(caller, factory_id)
        profile = await self.profiles.latest(factory_id)
        if profile is None:
            return []
        chain = []
        for subcontractor_id in profile.subcontractor_ids:
            site = await self.factories.get(subcontractor_id)
            if site is not None:
                chain.append(SupplyChainLink(site, profile.processes_done_by(subcontractor_id)))
        return chain

    async def downstream(self, caller: Principal, factory_id: str) -> list[SupplyChainLink]:
        """The sites whose current profile names this one as subcontractor.

        Their processes are their profile data: shown only to callers who may see that site.
        """
        await self.factory_for(caller, factory_id)
        chain = []
        for contractor_id in await self.profiles.ever_naming(factory_id):
            profile = await self.profiles.latest(contractor_id)
            if profile is None or not profile.names_subcontractor(factory_id):
                continue  # only a contractor's current profile maps the chain; older versions are history
            site = await self.factories.get(contractor_id)
            if site is None:
                continue
            processes = None
            if await may_see_factory(caller, site.id, self.links):
                processes = profile.processes_done_by(factory_id)
            chain.append(SupplyChainLink(site, processes))
        return chain
