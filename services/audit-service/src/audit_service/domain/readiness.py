"""Whether a factory may be audited: profile submitted and the Code of Conduct signed."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FactoryReadiness(BaseModel):
    """What audit-service has learnt about a site from factory-registry and access-control events."""

    factory_id: str
    profile_version: int | None = None
    workforce_total: int | None = None
    code_of_conduct_versions: list[str] = Field(default_factory=list)

    def problems(self, current_code_version: str | None) -> list[str]:
        """Why the audit cannot take place yet (empty when it can).

        Until the platform announces a current Code of Conduct version, any
        signed version counts; once it does, that version must be signed.
        """
        problems = []
        if self.profile_version is None:
            problems.append("the factory has not submitted its Factory Profile")
        if current_code_version is None:
            if not self.code_of_conduct_versions:
                problems.append("the factory has not signed the Code of Conduct")
        elif current_code_version not in self.code_of_conduct_versions:
            problems.append(f"the factory has not signed the current Code of Conduct ({current_code_version})")
        return problems

    def merged_with(self, merged: FactoryReadiness) -> FactoryReadiness:
        """One site of two: the survivor keeps its own profile (or takes the merged one's) and every signed version."""
        joined = self.model_copy(deep=True)
        joined.code_of_conduct_versions += [version for version in merged.code_of_conduct_versions
                                            if version not in joined.code_of_conduct_versions]
        if joined.profile_version is None:
            joined.profile_version, joined.workforce_total = merged.profile_version, merged.workforce_total
        return joined
