"""The factories' Handbook, arranged for reading from what the services answer.

Every number comes from GET /audits/rules and GET /caps/rules as the services compute them; this
module only orders, groups and translates titles (it restates no rule).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.lists import format_list

PILLARS = ("social", "environmental")


@dataclass(frozen=True)
class PillarOutline:
    pillar: str
    chapters: list[dict[str, Any]]
    totals: dict[str, int]


@dataclass(frozen=True)
class Handbook:
    rules: Mapping[str, Any]  # GET /audits/rules as answered
    deadlines: list[dict[str, Any]]  # GET /caps/rules' deadlines, shortest first
    code_of_conduct: Mapping[str, Any] | None
    versions: dict[str, str]
    edition: str
    pillars: list[PillarOutline]
    critical_questions: list[dict[str, Any]]
    topics: list[dict[str, str]]
    documents: list[dict[str, Any]]
    record_months: list[str]
    follow_up: Mapping[str, Any] | None
    follow_up_letters: str  # "D or E", in the reader's language
    alert_severities: list[str]

    def chapter_count(self, pillar: str) -> int:
        return sum(len(outline.chapters) for outline in self.pillars if outline.pillar == pillar)


def edition_of(versions: Mapping[str, str]) -> str:
    """One name for the set of versions: the version itself when all agree, else a short digest."""
    distinct = set(versions.values())
    if len(distinct) == 1:
        return distinct.pop()
    canonical = ";".join(f"{kind}={version}" for kind, version in sorted(versions.items()))
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]


def build_handbook(audit_rules: Mapping[str, Any], cap_rules: Mapping[str, Any],
                   code_of_conduct: Mapping[str, Any] | None, translate: Callable[[str], str],
                   locale: str) -> Handbook:
    """The Handbook in one language: ``translate`` gives the rule sets' titles in it."""
    versions = {**audit_rules["versions"], "deadlines": cap_rules["version"]}
    topics = {topic["id"]: translate(topic["title"]) for topic in audit_rules["zero_tolerance_topics"]}
    pillars = []
    for pillar in [*PILLARS, *sorted({c["pillar"] for c in audit_rules["chapters"]} - set(PILLARS))]:
        chapters = [{**chapter, "title": translate(chapter["title"])}
                    for chapter in audit_rules["chapters"] if chapter["pillar"] == pillar]
        if not chapters:
            continue
        totals = {"questions": sum(c["questions"] for c in chapters)}
        for chapter in chapters:
            for kind, count in chapter["counts_by_kind"].items():
                totals[kind] = totals.get(kind, 0) + count
        pillars.append(PillarOutline(pillar, chapters, totals))
    critical = [
        {"id": question["id"], "chapter": chapter["id"], "text": translate(question["text"]),
         "topic": topics.get(question["zero_tolerance_topic"] or "", "")}
        for chapter in audit_rules["chapters"] for question in chapter["critical_questions"]
    ]
    follow_up = next((t for t in audit_rules["audit_types"] if t["audit_type"] == "follow_up"), None)
    return Handbook(
        rules=audit_rules,
        deadlines=list(cap_rules["deadlines"]),
        code_of_conduct=code_of_conduct,
        versions=versions,
        edition=edition_of(versions),
        pillars=pillars,
        critical_questions=critical,
        topics=[{"id": key, "title": title} for key, title in topics.items()],
        documents=[{**document, "title": translate(document["title"])} for document in audit_rules["documents"]],
        record_months=[translate(month["title"]) for month in audit_rules["worker_record_months"]],
        follow_up=follow_up,
        follow_up_letters=format_list(list((follow_up or {}).get("after_letters") or []), style="or", locale=locale),
        alert_severities=list(audit_rules["alert_severities"]),
    )
