"""The sites factory-registry announced, as far as access-control needs them (FactoryRegistered, FactoriesMerged)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownFactory:
    factory_id: str
    merged_into: str | None = None

    @property
    def takes_links(self) -> bool:
        """A site merged into another takes no new link or organisation: the surviving site does."""
        return self.merged_into is None
