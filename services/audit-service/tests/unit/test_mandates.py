"""An audit company lists its mandates: newest first, a page at a time, never another company's."""

from __future__ import annotations

from datetime import date

import pytest

from audit_service.domain.mandates import MandatePosition, SiteName
from audit_service.domain.model import AuditStatus
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.mandates import MandateQueries
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.errors import InvalidRequestError, PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member, operator

from .fakes import InMemoryMandates, InMemorySites

WINDOW = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def queries(audits: AuditHandlers) -> MandateQueries:
    audits.audit_companies.ids |= {"ac-2"}
    audits.links.links |= {("m-a", "f-2")}
    sites = InMemorySites({"f-1": SiteName(name="Sunrise Garments", country="BD", city="Gazipur")})
    return MandateQueries(mandates=InMemoryMandates(audits.audits), sites=sites)


async def mandate(audits: AuditHandlers, company: str, factory_id: str = "f-1", member_id: str = "m-a"):
    return await audits.mandate_audit(member(member_id), factory_id, company, AuditType.INITIAL, AuditScope.SOCIAL,
                                      Announcement.SEMI_ANNOUNCED, WINDOW)


async def test_an_audit_company_pages_through_its_own_mandates_newest_first(
    audits: AuditHandlers, queries: MandateQueries, clock
) -> None:
    ours = []
    for factory_id in ("f-1", "f-2", "f-1"):
        ours.append(await mandate(audits, "ac-1", factory_id))
        await mandate(audits, "ac-2")  # another company's: never listed
        clock.advance(hours=1)

    first = await queries.mandates_of(audit_company("ac-1"), None, limit=2)
    assert [m.audit_id for m in first.mandates] == [ours[2].id, ours[1].id] and first.next_cursor
    last = await queries.mandates_of(audit_company("ac-1"), None, limit=2, cursor=first.next_cursor)
    assert [m.audit_id for m in last.mandates] == [ours[0].id] and last.next_cursor is None
    # The site's name where the registry announced it; f-2 is not known here.
    assert first.sites == {"f-1": SiteName(name="Sunrise Garments", country="BD", city="Gazipur")}
    assert first.mandates[0].window_starts_on == WINDOW[0] and first.mandates[0].status == AuditStatus.MANDATED


async def test_mandates_of_one_moment_are_all_listed_across_pages(
    audits: AuditHandlers, queries: MandateQueries
) -> None:
    same_time = {(await mandate(audits, "ac-1")).id for _ in range(5)}
    listed, cursor = [], None
    while True:
        page = await queries.mandates_of(audit_company("ac-1"), None, limit=2, cursor=cursor)
        listed += [m.audit_id for m in page.mandates]
        if (cursor := page.next_cursor) is None:
            break
    assert sorted(listed) == sorted(same_time) and len(listed) == 5


async def test_an_audit_company_lists_the_mandates_of_one_status(
    audits: AuditHandlers, queries: MandateQueries
) -> None:
    accepted = await mandate(audits, "ac-1")
    await mandate(audits, "ac-1")
    await audits.answer_mandate(audit_company("ac-1"), accepted.id, accept=True, reason=None)
    page = await queries.mandates_of(audit_company("ac-1"), AuditStatus.ACCEPTED, limit=10)
    assert [m.audit_id for m in page.mandates] == [accepted.id]


async def test_only_audit_companies_list_mandates(queries: MandateQueries) -> None:
    for caller in (member("m-a"), factory_account("f-1"), operator()):
        with pytest.raises(PermissionDeniedError):
            await queries.mandates_of(caller, None, limit=10)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", MandatePosition("t", "a").encode() + "!!"])
async def test_a_cursor_this_list_did_not_give_is_refused(queries: MandateQueries, cursor: str) -> None:
    with pytest.raises(InvalidRequestError, match="cursor"):
        await queries.mandates_of(audit_company("ac-1"), None, limit=10, cursor=cursor)
