"""Does a new site look like a registered one? Fuzzy name and address, or nearby coordinates.

Pure: scores come from rapidfuzz over normalised text; thresholds from the rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from factory_registry.domain.model import Factory, SiteDetails
from factory_registry.domain.rules import DuplicateRules, SearchRules

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str | None, ignored_words: frozenset[str] = frozenset()) -> str:
    """Lower case, accents and punctuation removed, legal-form words (ltd, pvt, ...) dropped."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(word for word in _NOT_WORD.split(ascii_text) if word and word not in ignored_words)


@dataclass(frozen=True)
class Match:
    site: Factory
    score: float
    matched_on: list[str] = field(default_factory=list)


def duplicate_matches(new: SiteDetails, registered: list[Factory], rules: DuplicateRules) -> list[Match]:
    """Registered sites of the same country that look like ``new``, best first."""
    name = normalise(new.name, rules.ignored_words)
    address = normalise(new.address, rules.ignored_words)
    matches = []
    for site in registered:
        if site.is_merged or site.country != new.country:
            continue
        name_score = fuzz.token_sort_ratio(name, normalise(site.name, rules.ignored_words))
        site_address = normalise(site.address, rules.ignored_words)
        if address and site_address:
            address_score = fuzz.token_set_ratio(address, site_address)
            text_score = (rules.name_weight * name_score + rules.address_weight * address_score) / (
                rules.name_weight + rules.address_weight
            )
        else:
            text_score = name_score
        matched_on, score = [], 0.0
        if text_score >= rules.min_score:
            matched_on.append("name_address")
            score = text_score
        if new.coordinates and site.coordinates:
            distance = new.coordinates.distance_m(site.coordinates)
            if distance <= rules.max_distance_m:
                matched_on.append("coordinates")
                # Nearby counts as at least the threshold; identical names on one spot score highest.
                score = max(score, rules.min_score, text_score)
        if matched_on:
            matches.append(Match(site, round(score, 1), matched_on))
    matches.sort(key=lambda match: (-match.score, match.site.id))
    return matches[: rules.max_candidates]


@dataclass(frozen=True)
class SearchCriteria:
    name: str | None = None
    country: str | None = None
    city: str | None = None
    identifier: str | None = None


def search_score(site: Factory, criteria: SearchCriteria, rules: SearchRules) -> float | None:
    """How well a site answers a search for linking; None when it does not."""
    if site.is_merged:
        return None
    if criteria.country and site.country != criteria.country:
        return None
    if criteria.city and normalise(site.city) != normalise(criteria.city):
        return None
    if criteria.identifier:
        wanted = _compact(criteria.identifier)
        values = site.identifiers.keys().values()
        if not any(_compact(key.split(":")[-1]) == wanted for key in values):
            return None
    if not criteria.name:
        return 100.0
    # Every word searched must match a word of the name (typos and prefixes allowed): the words narrow.
    site_words = normalise(site.name).split()
    scores = [max((_word_score(word, site_word) for site_word in site_words), default=0.0)
              for word in normalise(criteria.name).split()]
    if not scores or min(scores) < rules.min_name_score:
        return None
    return round(sum(scores) / len(scores), 1)


def _word_score(searched: str, word: str) -> float:
    prefix = fuzz.partial_ratio(searched, word) if len(searched) <= len(word) else 0.0
    return max(fuzz.ratio(searched, word), prefix)


def _compact(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())
