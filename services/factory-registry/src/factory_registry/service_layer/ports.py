"""What the registry's use cases need from the outside world, as protocols.

``bootstrap.build_app`` gives them the real adapters (``adapters/``); the unit tests give them
the in-memory fakes of ``tests/unit/fakes.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from factory_registry.domain.model import Factory
from factory_registry.domain.profile import FactoryProfile
from shared_audits.links import LinkProjection
from shared_audits.store import AggregateStore

FactoryStore = AggregateStore[Factory]

__all__ = ["FactoryStore", "IdentifierClaims", "LinkProjection", "ProfileVersions", "SiteIndex"]


class ProfileVersions(Protocol):
    """Each submitted Factory Profile, one version per submission, never changed afterwards."""

    async def add(self, profile: FactoryProfile) -> None: ...
    async def version(self, factory_id: str, profile_version: int) -> FactoryProfile | None: ...
    async def latest(self, factory_id: str) -> FactoryProfile | None: ...
    async def page_of(self, factory_id: str, limit: int, after_version: int = 0) -> list[FactoryProfile]:
        """The site's versions after ``after_version``, oldest first, at most ``limit``."""
        ...
    async def ever_naming(self, subcontractor_id: str) -> list[str]:
        """The sites any of whose versions (current or older) named this one as subcontractor, in id order."""
        ...


class IdentifierClaims(Protocol):
    """Who holds each identifier key (``Identifiers.keys``): one site at most, whatever the instance."""

    async def holders(self, keys: list[str]) -> dict[str, tuple[str, datetime]]: ...
    async def claim(self, key: str, factory_id: str, now: datetime, replacing: str | None = None) -> None: ...
    async def claim_all(self, claims: dict[str, str], now: datetime) -> list[str]: ...
    async def release(self, keys: list[str], factory_id: str) -> None: ...
    async def factory_holding(self, key: str) -> str | None: ...


class SiteIndex(Protocol):
    """The active sites by their blocking keys of the duplicate rule (``Factory.match_keys``)."""

    async def sharing(self, keys: list[str], limit: int) -> list[Factory]: ...
    async def existing_ids(self, ids: list[str]) -> set[str]: ...
