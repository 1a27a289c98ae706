"""What audit-service's handlers need from the outside world: each port, its adapter in adapters/,
its fake in tests/unit/fakes.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from audit_service.domain.accreditation import AuditCompanyStanding
from audit_service.domain.mandates import Mandate, MandatePosition, SiteName
from audit_service.domain.model import Audit, AuditStatus
from audit_service.domain.readiness import FactoryReadiness
from audit_service.domain.risk import CellCount, CountedReport, FactoryPicture
from audit_service.domain.timing import WorkingCalendar
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.enums import AccreditationStatus
from shared_audits.contracts.events import (
    CodeOfConductPublished,
    CodeOfConductSigned,
    FactoryProfileSubmitted,
    FactoryRegistered,
)
from shared_audits.rule_versions import RuleSetVersionStore
from shared_audits.store import AggregateStore

# audits (handlers.py) and the published rule set versions (rule_books.py)

AuditStore = AggregateStore[Audit]


class AuditCompanies(Protocol):
    async def standing(self, organisation_id: str) -> AuditCompanyStanding | None: ...


class AuditCompanyProjection(AuditCompanies, Protocol):
    """What access-control told of each audit company (service_layer/accreditation.py tells it)."""

    async def registered(self, organisation_id: str, name: str, trial_ends_at: datetime | None) -> None: ...
    async def decided(self, organisation_id: str, status: AccreditationStatus, decided_at: datetime,
                      trial_ends_at: datetime | None) -> None:
        """Keep the decision unless a later one is known (``AuditCompanyStanding.decided``)."""
        ...


class Sites(Protocol):
    """Each site's name and country as factory-registry announced it (its working days; the mandate list)."""

    async def of(self, factory_ids: list[str]) -> dict[str, SiteName]: ...


class SiteNameProjection(Sites, Protocol):
    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None: ...


# The working days of a site in a country (ISO alpha-2; None when the site's country is not known).
WorkingCalendars = Callable[[str | None], WorkingCalendar]


class Readiness(Protocol):
    async def of(self, factory_id: str) -> FactoryReadiness: ...
    async def current_code_version(self) -> str | None: ...


class ReadinessProjection(Readiness, Protocol):
    """Fed by factory-registry's and access-control's events; joined by a merge of two sites."""

    async def apply_profile_submitted(self, event: FactoryProfileSubmitted, envelope: EventEnvelope) -> None: ...
    async def apply_code_signed(self, event: CodeOfConductSigned, envelope: EventEnvelope) -> None: ...
    async def apply_code_published(self, event: CodeOfConductPublished, envelope: EventEnvelope) -> None: ...
    async def merge_sites(self, merged_id: str, surviving_id: str) -> None: ...


# the risk read model (risk.py): the handlers count and read; the store loads and stores pictures

class RiskReadModel(Protocol):
    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]: ...
    async def count_reports(self, reports: list[CountedReport]) -> int: ...


# What becomes of one factory's picture (None: it stays as it is).
PictureChange = Callable[[str, FactoryPicture], FactoryPicture | None]
# The surviving site's picture once the merged one joins it.
PictureMerge = Callable[[FactoryPicture, FactoryPicture], FactoryPicture]


class RiskPictures(Protocol):
    """Each factory's counted picture and the (country, chapter) cells they add up to."""

    async def change(self, factory_ids: list[str], change: PictureChange) -> int:
        """Apply ``change`` to each factory's picture once; how many it replaced (an identical one included)."""
        ...

    async def move(self, merged_id: str, surviving_id: str, merge: PictureMerge) -> None:
        """The merged site's picture joins the survivor's (``merge(surviving, merged)``) and is gone."""
        ...

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]: ...


# an audit company's mandate list (mandates.py)

class MandateListing(Protocol):
    async def of_company(
        self, audit_company_id: str, status: AuditStatus | None, limit: int, after: MandatePosition | None
    ) -> list[Mandate]: ...


# the merge of two sites (merges.py)

class MergeableProjection(Protocol):
    async def merge_sites(self, merged_id: str, surviving_id: str) -> None: ...


__all__ = [
    "AuditCompanies", "AuditCompanyProjection", "AuditStore", "MandateListing", "MergeableProjection",
    "PictureChange", "PictureMerge", "Readiness", "ReadinessProjection", "RiskPictures",
    "RiskReadModel", "RuleSetVersionStore", "SiteNameProjection", "Sites", "WorkingCalendars",
]
