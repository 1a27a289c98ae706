"""Does a new site look like a registered one? Fuzzy name and address, or nearby coordinates.

Pure: scores come from rapidfuzz over normalised text; thresholds from the rules.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from factory_registry.domain.model import Factory, SiteDetails
from factory_registry.domain.values import Coordinates
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


@dataclass(frozen=True)
class _Compared:
    """A site's text as the duplicate score reads it, normalised once."""

    # Words sorted: token_sort_ratio is the plain ratio of the sorted words.
    name: str
    address: str
    coordinates: Coordinates | None


def _compared(site: SiteDetails | Factory, rules: DuplicateRules) -> _Compared:
    name = normalise(site.name, rules.ignored_words)
    return _Compared(" ".join(sorted(name.split())), normalise(site.address, rules.ignored_words), site.coordinates)


def _duplicate_score(
    a: _Compared, b: _Compared, rules: DuplicateRules, name_score: float | None = None
) -> tuple[float, list[str]] | None:
    """The score of two sites of one country and what matched; None when they do not look alike."""
    if name_score is None:
        name_score = fuzz.ratio(a.name, b.name)
    if a.address and b.address:
        address_score = fuzz.token_set_ratio(a.address, b.address)
        text_score = (rules.name_weight * name_score + rules.address_weight * address_score) / (
            rules.name_weight + rules.address_weight
        )
    else:
        text_score = name_score
    matched_on, score = [], 0.0
    if text_score >= rules.min_score:
        matched_on.append("name_address")
        score = text_score
    if a.coordinates and b.coordinates and a.coordinates.distance_m(b.coordinates) <= rules.max_distance_m:
        matched_on.append("coordinates")
        # Nearby counts as at least the threshold; identical names on one spot score highest.
        score = max(score, rules.min_score, text_score)
    return (round(score, 1), matched_on) if matched_on else None


def duplicate_matches(new: SiteDetails, registered: list[Factory], rules: DuplicateRules) -> list[Match]:
    """Registered sites of the same country that look like ``new``, best first."""
    compared = _compared(new, rules)
    matches = []
    for site in registered:
        if site.is_merged or site.country != new.country:
            continue
        scored = _duplicate_score(compared, _compared(site, rules), rules)
        if scored:
            matches.append(Match(site, *scored))
    matches.sort(key=lambda match: (-match.score, match.site.id))
    return matches[: rules.max_candidates]


@dataclass(frozen=True)
class DuplicatePair:
    """Two registered sites that look like one; ``first`` is the one registered earlier."""

    first: Factory
    second: Factory
    score: float
    matched_on: list[str]


@dataclass(frozen=True)
class DuplicateScan:
    pairs: list[DuplicatePair]  # best first
    complete: bool  # False: the scan stopped at its budget of scored pairs


def duplicate_pairs(sites: list[Factory], rules: DuplicateRules, max_scored: int = 200_000) -> DuplicateScan:
    """Pairs of active sites that look like one site, by the score of the registration check, best first.

    Blocked by country (sites of two countries are never one), and within a country only the
    pairs that can reach the threshold are scored: names close enough to make it with a perfect
    address, found in one pass per site (rapidfuzz's ``process.extract``), and sites near each
    other on a grid of cells as wide as the distance rule. Lookalike names by the thousand (numbered
    sites) make millions of such pairs: the scan stops once ``max_scored`` were scored.
    """
    by_country: dict[str, list[Factory]] = {}
    for site in sites:
        if not site.is_merged:
            by_country.setdefault(site.country, []).append(site)
    floor = _lowest_name_score(rules)
    pairs, scored = [], 0
    for block in by_country.values():
        block.sort(key=lambda site: (site.registered_at, site.id))
        compared = [_compared(site, rules) for site in block]
        names = [site.name for site in compared]
        nearby: dict[int, set[int]] = {}
        for i, j in _nearby(compared, rules.max_distance_m):
            nearby.setdefault(i, set()).add(j)
        for i in range(len(block)):
            if scored >= max_scored:
                return DuplicateScan(_best_first(pairs), complete=False)
            candidates: dict[int, float | None] = dict.fromkeys(nearby.get(i, ()))
            for _, name_score, offset in process.extract(names[i], names[i + 1:], scorer=fuzz.ratio,
                                                         score_cutoff=floor, limit=None):
                candidates[i + 1 + offset] = name_score
            scored += len(candidates)
            for j, name_score in candidates.items():
                found = _duplicate_score(compared[i], compared[j], rules, name_score)
                if found:
                    pairs.append(DuplicatePair(block[i], block[j], *found))
    return DuplicateScan(_best_first(pairs), complete=True)


def _best_first(pairs: list[DuplicatePair]) -> list[DuplicatePair]:
    return sorted(pairs, key=lambda pair: (-pair.score, pair.first.id, pair.second.id))


def _lowest_name_score(rules: DuplicateRules) -> float:
    """The name score below which not even an identical address reaches the threshold."""
    if rules.name_weight <= 0:
        return 0.0
    with_perfect_address = (rules.min_score * (rules.name_weight + rules.address_weight)
                            - rules.address_weight * 100) / rules.name_weight
    return max(0.0, with_perfect_address - 0.01)  # a hair lower: no pair lost to rounding


_METRES_PER_DEGREE = 110_574  # of latitude at the equator, the shortest: cells are never too small


def _nearby(sites: list[_Compared], max_distance_m: float) -> set[tuple[int, int]]:
    """Index pairs (i < j) of sites in the same or adjacent cells: every pair within the distance, and more."""
    located = [(index, site.coordinates) for index, site in enumerate(sites) if site.coordinates]
    if not located:
        return set()
    cell_lat = max(max_distance_m, 1.0) / _METRES_PER_DEGREE
    widest = max(abs(coordinates.lat) for _, coordinates in located)
    # A degree of longitude shrinks away from the equator: cells as wide as at the block's most polar site.
    # (Two sites astride the antimeridian fall in far-apart cells: not found near each other.)
    cell_lon = cell_lat / max(math.cos(math.radians(min(widest + cell_lat, 90.0))), 1e-6)
    cells: dict[tuple[int, int], list[int]] = {}
    for index, coordinates in located:
        cells.setdefault((math.floor(coordinates.lat / cell_lat), math.floor(coordinates.lon / cell_lon)), []).append(
            index)
    pairs = set()
    for (row, column), members in cells.items():
        for d_row in (-1, 0, 1):
            for d_column in (-1, 0, 1):
                for i in members:
                    for j in cells.get((row + d_row, column + d_column), []):
                        if i < j:
                            pairs.add((i, j))
    return pairs


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
