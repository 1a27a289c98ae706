"""Rule sets the operator publishes as versions at run time; the newest published of a kind is in force.

A service names its kinds (each a pydantic model with a ``version`` field), ships its first versions
as files (the seeds, stored when the database lacks them) and says which versions must agree with each
other; this keeps every version in the service's database, refuses an inconsistent one with field
errors, and records the event of each publication with it (one write, through the outbox).

Every instance reads the versions in force from the database (held ``cache_seconds`` at most), and
the rules of a version once read (a version never changes), so instances agree.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from shared_audits.aggregate import Aggregate
from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventPayload
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.store import AggregateStore

# "2026.1", "2026.10", "3": numbers separated by dots, compared number by number.
VERSION_PATTERN = re.compile(r"^\d{1,6}(\.\d{1,6}){0,3}$")
# More versions than any platform publishes; read in one query.
MAX_VERSIONS = 10_000

FieldProblems = list[dict[str, str]]


def version_key(version: str) -> tuple[int, ...]:
    """The order of versions: "2026.10" comes after "2026.9"."""
    return tuple(int(part) for part in version.split("."))


class RuleSetVersion(Aggregate):
    """One published version of one kind of rule set; ``id`` is ``kind:version``. Never changed."""

    kind: str
    rule_version: str
    content: dict[str, Any]
    published_at: datetime
    published_by: str | None = None  # None: shipped with the service (a seed)

    @staticmethod
    def id_for(kind: str, version: str) -> str:
        return f"{kind}:{version}"


class RuleSetRejected(InvalidRequestError):
    """A rule set that does not fit its schema or the rule sets in force; every problem is listed."""

    title = "Invalid rule set"

    def __init__(self, problems: FieldProblems) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems[:10]))
        self.errors = problems
        self.extensions["errors"] = [{"type": "value_error", **problem} for problem in problems]


# The problems of a new version of ``kind`` against the others in force (empty when it fits).
ConsistencyCheck = Callable[[str, BaseModel, Mapping[str, BaseModel]], FieldProblems]
# The event a publication records: the version, and the version it replaces (None for the first).
PublishedEvent = Callable[[RuleSetVersion, str | None], EventPayload]

RuleSetVersionStore = AggregateStore[RuleSetVersion]


def _no_checks(kind: str, rules: BaseModel, in_force: Mapping[str, BaseModel]) -> FieldProblems:
    return []


@dataclass
class VersionedRuleSets:
    versions: RuleSetVersionStore
    models: Mapping[str, type[BaseModel]]
    published_event: PublishedEvent
    check: ConsistencyCheck = _no_checks
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    cache_seconds: float = 1.0
    _rules_by_id: dict[str, BaseModel] = field(default_factory=dict)
    _in_force: tuple[float, dict[str, str]] | None = None

    async def seed(self, seeds: Mapping[str, BaseModel]) -> None:
        """Store each rule set shipped with the service as a version, when the database lacks it."""
        for kind, rules in seeds.items():
            seeded = RuleSetVersion(id=RuleSetVersion.id_for(kind, rules.version), kind=kind,
                                    rule_version=rules.version, content=rules.model_dump(mode="json"),
                                    published_at=self.clock())
            try:
                await self.versions.add(seeded)
            except ConflictError:
                pass  # stored before, or by another instance starting at the same time
        self._in_force = None

    async def versions_in_force(self) -> dict[str, str]:
        """The newest published version of each kind."""
        if self._in_force is not None and time.monotonic() - self._in_force[0] < self.cache_seconds:
            return dict(self._in_force[1])
        newest: dict[str, RuleSetVersion] = {}
        for stored in await self.versions.find(limit=MAX_VERSIONS):
            current = newest.get(stored.kind)
            if current is None or version_key(stored.rule_version) > version_key(current.rule_version):
                newest[stored.kind] = stored
        for stored in newest.values():
            self._parsed(stored)
        in_force = {kind: stored.rule_version for kind, stored in newest.items()}
        self._in_force = (time.monotonic(), in_force)
        return dict(in_force)

    async def rules(self, kind: str, version: str | None = None) -> BaseModel:
        """The rules of ``kind`` at ``version`` (the version in force when None)."""
        self._require_kind(kind)
        if version is None:
            version = (await self.versions_in_force()).get(kind)
            if version is None:
                raise NotFoundError(f"no {kind} rules are published")
        cached = self._rules_by_id.get(RuleSetVersion.id_for(kind, version))
        if cached is not None:
            return cached
        return self._parsed(await self.version(kind, version))

    async def version_in_force_at(self, kind: str, moment: datetime) -> str:
        """The version of ``kind`` that was in force at ``moment``: the newest published by then.

        A moment before every stored version (an audit mandated before the service stored its
        shipped rules) takes the oldest one, the version it was mandated under.
        """
        history = await self.history(kind)
        if not history:
            raise NotFoundError(f"no {kind} rules are published")
        by_then = [stored for stored in history if stored.published_at <= moment]
        return (by_then[0] if by_then else history[-1]).rule_version

    async def history(self, kind: str) -> list[RuleSetVersion]:
        """Every version of ``kind``, the newest (in force) first."""
        self._require_kind(kind)
        found = await self.versions.find(limit=MAX_VERSIONS, kind=kind)
        return sorted(found, key=lambda stored: version_key(stored.rule_version), reverse=True)

    async def version(self, kind: str, version: str) -> RuleSetVersion:
        self._require_kind(kind)
        stored = await self.versions.get(RuleSetVersion.id_for(kind, version))
        if stored is None:
            raise NotFoundError(f"{kind} rules version {version} not found")
        return stored

    async def publish(self, caller: Principal, kind: str, content: dict[str, Any]) -> RuleSetVersion:
        """The operator publishes a new version of ``kind``: valid, consistent with the rule sets in
        force, and newer than the current one; it is in force from now on for what starts from now."""
        if not caller.is_operator:
            raise PermissionDeniedError("only the operator publishes rule sets")
        self._require_kind(kind)
        try:
            rules = self.models[kind].model_validate(content)
        except ValidationError as error:
            raise RuleSetRejected([
                {"field": ".".join(["body", *(str(part) for part in e["loc"])]), "message": e["msg"]}
                for e in error.errors()
            ]) from error
        version: str = getattr(rules, "version")
        if await self.versions.get(RuleSetVersion.id_for(kind, version)) is not None:
            raise ConflictError(f"{kind} rules version {version} is already published; publish a newer version")
        self._in_force = None  # judge against what is in force now, not what this instance read a moment ago
        in_force = await self.versions_in_force()
        current = in_force.get(kind)
        problems: FieldProblems = []
        if not VERSION_PATTERN.match(version):
            problems.append({"field": "body.version", "message": "numbers separated by dots, e.g. 2026.2"})
        elif current is not None and version_key(version) <= version_key(current):
            problems.append({"field": "body.version", "message": f"must be newer than the version in force, {current}"})
        others = {other: await self.rules(other) for other in in_force if other != kind and other in self.models}
        problems += self.check(kind, rules, others)
        if problems:
            raise RuleSetRejected(problems)
        published = RuleSetVersion(id=RuleSetVersion.id_for(kind, version), kind=kind, rule_version=version,
                                   content=rules.model_dump(mode="json"), published_at=self.clock(),
                                   published_by=caller.subject)
        published.record(self.published_event(published, current))
        await self.versions.add(published)  # a second publication of the same version at once: 409
        self._rules_by_id[published.id] = rules
        self._in_force = None
        return published

    def _parsed(self, stored: RuleSetVersion) -> BaseModel:
        rules = self._rules_by_id.get(stored.id)
        if rules is None:
            rules = self.models[stored.kind].model_validate(stored.content)
            self._rules_by_id[stored.id] = rules
        return rules

    def _require_kind(self, kind: str) -> None:
        if kind not in self.models:
            raise NotFoundError(f"no rule sets of kind {kind}")


class RuleSetVersionOut(BaseModel):
    """One version of a rule set, as the versions routes answer it."""

    kind: str = Field(examples=["rating"])
    version: str = Field(examples=["2026.2"])
    published_at: datetime
    shipped: bool = Field(description="Shipped with the service (its first version), not published at run time.")
    in_force: bool = Field(description="The newest published version of its kind: what starts now is bound to it.")
    content: dict[str, Any] | None = Field(
        default=None, description="The rule set itself (in a list: null; read one version for it).")

    @classmethod
    def of(cls, stored: RuleSetVersion, in_force: Mapping[str, str], with_content: bool = True) -> RuleSetVersionOut:
        return cls(kind=stored.kind, version=stored.rule_version, published_at=stored.published_at,
                   shipped=stored.published_by is None, in_force=in_force.get(stored.kind) == stored.rule_version,
                   content=stored.content if with_content else None)
