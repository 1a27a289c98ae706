"""HTTP routes of factory-registry: translate requests to use cases and results to bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from factory_registry.domain.matching import DuplicatePair
from factory_registry.domain.search import SearchCriteria
from factory_registry.domain.model import Factory, site_card
from factory_registry.domain.profile import FactoryProfile
from shared_audits.problems import problems
from factory_registry.entrypoints.http.schemas import (
    CertificationOut,
    DuplicatePairOut,
    DuplicateSiteOut,
    DuplicatesOut,
    FactoryImportOut,
    FactoryOut,
    HeldRecordOut,
    ImportCandidateOut,
    ImportFactories,
    MergeFactories,
    MergeOut,
    ProfileOut,
    ProfileVersionOut,
    RegisterFactory,
    SearchResult,
    SiteCard,
    SubmitProfile,
    SupplyChainEntry,
    SupplyChainOut,
)
from factory_registry.service_layer.handlers import FactoryRegistry, ImportRecord, SupplyChainLink
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

router = APIRouter(tags=["factories"])


def _handlers(request: Request) -> FactoryRegistry:
    return request.app.state.factory_registry


Handlers = Annotated[FactoryRegistry, Depends(_handlers)]
FactoryId = Annotated[str, Path(min_length=1, max_length=64)]


def _out(factory: Factory) -> FactoryOut:
    return FactoryOut(
        factory_id=factory.id,
        **factory.model_dump(include=set(FactoryOut.model_fields) - {"factory_id"}),
    )


def _profile_out(profile: FactoryProfile) -> ProfileOut:
    content, today = profile.content, datetime.now(UTC).date()
    return ProfileOut(
        factory_id=profile.factory_id,
        profile_version=profile.profile_version,
        submitted_at=profile.submitted_at,
        completeness=profile.completeness,
        rules_version=profile.rules_version,
        workforce_total=content.workforce.total if content.workforce else None,
        workforce=content.workforce,
        buildings=content.buildings,
        dormitories=content.dormitories,
        certifications=[CertificationOut(**c.model_dump(), expired=c.expired_on(today)) for c in content.certifications],
        processes=content.processes,
    )


Cursor = Annotated[str | None, Query(min_length=1, max_length=128, description="From the previous page's `X-Next-Cursor`")]


def _chain_out(factory_id: str, direction: str, chain: list[SupplyChainLink]) -> SupplyChainOut:
    entries = [SupplyChainEntry(site=SiteCard(**site_card(link.site)), processes=link.processes) for link in chain]
    return SupplyChainOut(factory_id=factory_id, direction=direction, sites=entries)


@router.post("/factories", response_model=FactoryOut, status_code=201,
             responses={409: {"description": "possible duplicate (with candidates) or duplicate identifier"}})
async def register_factory(body: RegisterFactory, caller: CurrentPrincipal, handlers: Handlers) -> FactoryOut:
    return _out(await handlers.register_factory(caller, body.details(), body.confirm_new))


@router.post("/imports/factories", response_model=FactoryImportOut)
async def import_factories(body: ImportFactories, caller: CurrentPrincipal, handlers: Handlers) -> FactoryImportOut:
    """The operator's bulk import of sites from the system the platform replaces (up to 1,000 a request).

    Each record is checked by the registration's duplicate rule against the registered sites and the
    earlier records of the request. A record that looks like one is **held for review, not imported**:
    it is listed in `proposed_duplicates` with its candidates. Send it again with `confirm_new: true`
    (a new site) or `merge_into: <factory_id>` (the same site: kept, merged into it, its id redirects
    there). A re-run skips the records already in; nothing is lost.
    """
    records = [ImportRecord(site.factory_id, site.details(), site.confirm_new, site.merge_into)
               for site in body.factories]
    outcome = await handlers.import_factories(caller, records)
    return FactoryImportOut(
        imported=outcome.imported, already_imported=outcome.already_imported, merged=outcome.merged,
        rejected=outcome.rejected,
        proposed_duplicates=[
            HeldRecordOut(factory_id=held.factory_id, name=held.name, candidates=[
                ImportCandidateOut(**site_card(match.site), score=match.score, matched_on=match.matched_on,
                                   in_file=match.in_file) for match in held.candidates])
            for held in outcome.held_for_review],
    )


@router.get("/factories", response_model=list[FactoryOut],
            responses={200: {"description": "One page of the sites the caller may see, in id order",
                             "headers": NEXT_PAGE_HEADERS}})
async def list_factories(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    handlers: Handlers,
    limit: Annotated[int, Query(ge=1, le=500, description="Sites per page")] = 500,
    cursor: Cursor = None,
) -> list[FactoryOut]:
    """The sites the caller may see (the operator: all; a member: its linked sites; a factory: itself),
    a page at a time: follow `Link: rel="next"` (or `X-Next-Cursor`) until it is absent."""
    factories, next_cursor = await handlers.visible_factories(caller, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [_out(factory) for factory in factories]


@router.get("/search", response_model=list[SearchResult])
async def search_factories(
    caller: CurrentPrincipal,
    handlers: Handlers,
    name: Annotated[str | None, Query(min_length=2, max_length=200,
                                      description="3 characters or more; 2 in a script without spaces (华丽)")] = None,
    identifier: Annotated[str | None, Query(min_length=3, max_length=50)] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    city: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> list[SearchResult]:
    """Sites to link to, as cards, best first: at most the rules' `max_results` (50). One search
    compares up to 20,000 active sites of the country (or of all countries): name the country."""
    criteria = SearchCriteria(name=name, country=country, city=city, identifier=identifier)
    return [SearchResult(**site_card(site), score=score) for site, score in await handlers.search(caller, criteria)]


def _pair_out(pair: DuplicatePair) -> DuplicatePairOut:
    def site_out(site: Factory) -> DuplicateSiteOut:
        return DuplicateSiteOut(factory_id=site.id, **site.model_dump(include=set(DuplicateSiteOut.model_fields)))

    return DuplicatePairOut(score=pair.score, matched_on=pair.matched_on, first=site_out(pair.first),
                            second=site_out(pair.second))


@router.get(
    "/duplicates", response_model=DuplicatesOut,
    responses=problems({
        401: "No valid bearer token",
        403: "Not the operator",
        422: "A bad country or limit (one entry per field in `errors`)",
    }),
)
async def duplicate_sites(
    caller: CurrentPrincipal,
    handlers: Handlers,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$", description="Only this country's sites")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Pairs returned, the best first")] = 50,
) -> DuplicatesOut:
    """Pairs of registered sites that look like one site, for the operator to merge (POST /merges).

    The registration check's score (name and address, or coordinates within the rules' distance),
    between sites of one country only. One request compares up to 5,000 active sites; when
    `complete` is false, ask country by country.
    """
    review = await handlers.duplicates(caller, country, limit)
    return DuplicatesOut(
        country=country, rules_version=handlers.rules.version, pairs=[_pair_out(pair) for pair in review.pairs],
        total_pairs=review.total_pairs, truncated=review.truncated,
        sites_compared=review.sites_compared, complete=review.complete,
    )


@router.post("/merges", response_model=MergeOut)
async def merge_factories(body: MergeFactories, caller: CurrentPrincipal, handlers: Handlers) -> MergeOut:
    merged = await handlers.merge(caller, body.merged_factory_id, body.surviving_factory_id)
    assert merged.merged_into is not None and merged.merged_at is not None
    return MergeOut(merged_factory_id=merged.id, surviving_factory_id=merged.merged_into, merged_at=merged.merged_at)


@router.get("/factories/{factory_id}", response_model=FactoryOut,
            responses={308: {"description": "merged into another site: Location names it"}})
async def get_factory(factory_id: FactoryId, caller: CurrentPrincipal, handlers: Handlers) -> FactoryOut:
    return _out(await handlers.factory_for(caller, factory_id))


@router.post("/factories/{factory_id}/profiles", response_model=ProfileOut, status_code=201)
async def submit_profile(
    factory_id: FactoryId, body: SubmitProfile, caller: CurrentPrincipal, handlers: Handlers
) -> ProfileOut:
    return _profile_out(await handlers.submit_profile(caller, factory_id, body.content()))


@router.get("/factories/{factory_id}/profile", response_model=ProfileOut)
async def current_profile(factory_id: FactoryId, caller: CurrentPrincipal, handlers: Handlers) -> ProfileOut:
    return _profile_out(await handlers.current_profile(caller, factory_id))


@router.get("/factories/{factory_id}/profiles", response_model=list[ProfileVersionOut],
            responses={200: {"description": "One page of the site's profile versions, oldest first",
                             "headers": NEXT_PAGE_HEADERS}})
async def profile_history(
    request: Request,
    response: Response,
    factory_id: FactoryId,
    caller: CurrentPrincipal,
    handlers: Handlers,
    limit: Annotated[int, Query(ge=1, le=1000, description="Versions per page")] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,7}$",
                                        description="From the previous page's `X-Next-Cursor`")] = None,
) -> list[ProfileVersionOut]:
    """The site's profile versions, oldest first, a page at a time: follow `Link: rel="next"`
    (or `X-Next-Cursor`) until it is absent."""
    profiles, next_version = await handlers.profile_history(caller, factory_id, limit=limit,
                                                            after_version=int(cursor or 0))
    link_next_page(request, response, str(next_version) if next_version is not None else None, limit)
    return [
        ProfileVersionOut(profile_version=p.profile_version, submitted_at=p.submitted_at, completeness=p.completeness)
        for p in profiles
    ]


@router.get("/factories/{factory_id}/profiles/{profile_version}", response_model=ProfileOut)
async def profile_version(
    factory_id: FactoryId,
    profile_version: Annotated[int, Path(ge=1, le=1_000_000)],
    caller: CurrentPrincipal,
    handlers: Handlers,
) -> ProfileOut:
    return _profile_out(await handlers.profile_version(caller, factory_id, profile_version))


@router.get("/factories/{factory_id}/supply-chain/upstream", response_model=SupplyChainOut)
async def upstream(factory_id: FactoryId, caller: CurrentPrincipal, handlers: Handlers) -> SupplyChainOut:
    """The subcontractors this site's current profile names (who works for it)."""
    return _chain_out(factory_id, "upstream", await handlers.upstream(caller, factory_id))


@router.get("/factories/{factory_id}/supply-chain/downstream", response_model=SupplyChainOut)
async def downstream(factory_id: FactoryId, caller: CurrentPrincipal, handlers: Handlers) -> SupplyChainOut:
    """The sites whose current profile names this one as subcontractor (whom it works for)."""
    return _chain_out(factory_id, "downstream", await handlers.downstream(caller, factory_id))
