"""When are two records one production site? Names in any script, address, coordinates and identifiers together.

Pure. One rule, ``resemblance``, decides for registration (409 with candidates), the operator's
review (GET /duplicates), the bulk import's review list and the benchmark. Candidates come from
blocking keys (``site_keys``): pairs that share none are never compared, so the keys are stored on
each site and looked up in the database; every pair that can reach the threshold shares a key
(same distinctive word, consonants or whole name with the same numbers; neighbouring grid cells;
an identifier).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from factory_registry.domain.model import Factory, SiteDetails
from factory_registry.domain.reading import CONSONANT_SCRIPTS, Glossary, Reading, consonants, read
from factory_registry.domain.rules import DuplicateRules
from factory_registry.domain.values import Coordinates

_METRES_PER_DEGREE = 111_320  # of latitude, and of longitude at the equator


class SiteReader:
    """Reads sites through the rules' glossaries, each text once."""

    def __init__(self, rules: DuplicateRules) -> None:
        self.rules = rules
        self._names = Glossary({**rules.generic_words, "": list(rules.ignored_words)})
        self._addresses = Glossary({**rules.address_words})
        self._texts: dict[tuple[str, str], Reading] = {}

    def name(self, text: str | None) -> Reading:
        return self._read("name", text or "", self._names)

    def address(self, text: str | None) -> Reading:
        return self._read("address", text or "", self._addresses)

    def _read(self, kind: str, text: str, glossary: Glossary) -> Reading:
        found = self._texts.get((kind, text))
        if found is None:
            if len(self._texts) > 200_000:
                self._texts.clear()
            found = self._texts[(kind, text)] = read(text, glossary)
        return found

    def site(self, site: SiteDetails | Factory) -> SiteReading:
        city = self.address(site.city) if site.city else None
        city_words = set(city.latin) | city.generic | {city.joined} if city else set()
        names = [_without(self.name(site.name), city_words)]
        if site.legal_name and site.legal_name != site.name:
            names.append(_without(self.name(site.legal_name), city_words))
        address = _without(self.address(site.address), city_words) if site.address else None
        if address is not None:  # the city is compared on its own
            address = replace(address, generic=address.generic - city_words)
        city_text = " ".join([*city.latin, *sorted(city.generic), *city.numbers]) if city else ""
        return SiteReading(site.country, tuple(names), address, city_text, site.coordinates,
                           frozenset(site.identifiers.keys().values()))


def _without(name: Reading, city_words: set[str]) -> Reading:
    """The name without its site's city ("Dongguan Huali", "东莞华丽" -> "Huali"), when more is left."""
    kept = [(o, t) for o, t in zip(name.original, name.latin) if t not in city_words
            and not (len(t) >= 5 and any(fuzz.ratio(t, c) >= 85 for c in city_words))]  # "Guangzhhou" too
    if not kept:
        return name
    # A city run into the name in a script without spaces: 深圳新利 (shenzhenxinli) -> xinli.
    stripped = [(o, next((t[len(c):] for c in city_words if len(c) >= 4 and t.startswith(c) and len(t) > len(c) + 1),
                         t)) for o, t in kept]
    if stripped == list(zip(name.original, name.latin)):
        return name
    return replace(name, original=tuple(o for o, _ in stripped), latin=tuple(t for _, t in stripped))


_READERS: dict[int, tuple[DuplicateRules, SiteReader]] = {}


def reader_for(rules: DuplicateRules) -> SiteReader:
    """The reader of a rule set (kept: the glossaries are built once)."""
    kept = _READERS.get(id(rules))
    if kept is None or kept[0] is not rules:
        kept = _READERS[id(rules)] = (rules, SiteReader(rules))
    return kept[1]


@dataclass(frozen=True)
class SiteReading:
    """A site as the duplicate rule reads it."""

    country: str
    names: tuple[Reading, ...]  # its name, and its legal name when it differs
    address: Reading | None
    city: str  # transliterated, administrative words dropped
    coordinates: Coordinates | None
    identifiers: frozenset[str]


@dataclass(frozen=True)
class Resemblance:
    score: float  # 0-100
    matched_on: list[str]  # "identifiers", "name_address", "coordinates"


def resemblance(a: SiteReading, b: SiteReading, rules: DuplicateRules) -> Resemblance | None:
    """How much two sites look like one, and on what; None below the rules' threshold.

    A shared identifier (OS ID, DUNS, LEI, national registration) makes them one. Otherwise the
    name (as written when both share a script, else transliterated; generic words and legal forms
    weigh little; different numbers, "Unit 3" and "Unit 7", mean different sites) weighted with the
    address; a spot within ``max_distance_m`` raises the score and is a candidate on its own unless
    the names' or addresses' numbers or the addresses tell the sites apart; coordinates beyond
    ``far_distance_m``, or (without coordinates) another city, lower it: a similar name alone is
    not enough there.
    """
    if a.country != b.country:
        return None
    if a.identifiers & b.identifiers:
        return Resemblance(100.0, ["identifiers"])
    name = max(name_similarity(x, y) for x in a.names for y in b.names)
    address = address_similarity(a.address, b.address)
    if address is None:
        text = name
    else:
        text = (rules.name_weight * name + rules.address_weight * address) / (rules.name_weight + rules.address_weight)
    score, matched_on = text, []
    distance = a.coordinates.distance_m(b.coordinates) if a.coordinates and b.coordinates else None
    near = distance is not None and distance <= rules.max_distance_m
    if near:
        score += rules.near_bonus
    elif distance is not None and distance > rules.far_distance_m:
        score -= rules.far_penalty
    elif distance is None and a.city and b.city and not same_city(a.city, b.city):
        score -= rules.other_city_penalty
    if text >= rules.min_score - rules.near_bonus:
        matched_on.append("name_address")
    if near:
        # The same spot is one site unless the names, or the addresses' numbers, tell them apart
        # (tenants of one building, units of a chain); a name of generic words only tells nothing.
        names_apart = name < rules.same_spot_min_name_score and not any(n.is_generic for n in (*a.names, *b.names))
        told_apart = (names_apart or _numbers_conflict(a.names[0].numbers, b.names[0].numbers)
                      or (a.address is not None and b.address is not None
                          and _numbers_conflict(a.address.numbers, b.address.numbers)))
        if not told_apart:
            score = max(score, rules.min_score)
        if score >= rules.min_score:
            matched_on.append("coordinates")
    score = round(min(100.0, max(0.0, score)), 1)
    if score < rules.min_score or not matched_on:
        return None
    return Resemblance(score, matched_on)


def name_similarity(a: Reading, b: Reading) -> float:
    """0-100: the distinctive words compared; the generic ones (garment, factory) only nudge."""
    if a.is_generic or b.is_generic:
        similarity = (60.0 if a.generic == b.generic else 40.0) if a.is_generic and b.is_generic else 30.0
    else:
        similarity = _distinctive_similarity(a, b)
        if a.generic and b.generic:
            # "Star Knit" and "Star Denim" name other products: often sister sites, not one.
            similarity = 0.8 * similarity + 20.0 * len(a.generic & b.generic) / len(a.generic | b.generic)
    if a.numbers != b.numbers:
        similarity = min(similarity, 60.0)  # "Unit 3" and "Unit 7", or "Unit 3" and a name without a number
    return similarity


def _distinctive_similarity(a: Reading, b: Reading) -> float:
    latin = _similarity(a.latin, b.latin)
    if (a.scripts & b.scripts) - {"LATIN"}:
        # One script other than Latin: as written, so two names that sound alike in it stay apart.
        return (_similarity(a.original, b.original) + latin) / 2
    if (a.scripts ^ b.scripts) & CONSONANT_SCRIPTS:
        # Across scripts whose transliteration keeps few vowels ("lnwr" for "Al Noor").
        return max(latin, fuzz.ratio(consonants(a.joined), consonants(b.joined)))
    return latin


def _similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    # In any order ("Tien Viet"), and with the spaces dropped ("Hua Li" and "Huali").
    return max(fuzz.token_sort_ratio(" ".join(a), " ".join(b)), fuzz.ratio("".join(a), "".join(b)))


def address_similarity(a: Reading | None, b: Reading | None) -> float | None:
    """0-100, None when either site has no address. Numbers that tell two buildings apart cap it."""
    if a is None or b is None:
        return None
    words_a = " ".join(sorted([*a.latin, *a.generic, *a.numbers]))
    words_b = " ".join(sorted([*b.latin, *b.generic, *b.numbers]))
    if not words_a or not words_b:
        return None
    # One address may say more (a district, a post code): the shared part counts, the rest a little.
    similarity = (fuzz.token_set_ratio(words_a, words_b) + fuzz.token_sort_ratio(words_a, words_b)) / 2
    if _numbers_conflict(a.numbers, b.numbers):
        similarity = min(similarity, 40.0)
    return similarity


def _numbers_conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Each has a number the other lacks: plot 12 and plot 14, floor 3 and floor 5."""
    first, second = Counter(a), Counter(b)
    return bool(first - second) and bool(second - first)


def same_city(a: str, b: str) -> bool:
    """One place, spelt alike, or one name within the other ("gazipur" and "gazipur sadar")."""
    if a == b or fuzz.ratio(a, b) >= 85:
        return True
    shorter, longer = sorted((a.split(), b.split()), key=len)
    return len(" ".join(shorter)) >= 5 and all(word in longer for word in shorter)


# --- blocking keys ---------------------------------------------------------------------------


def keys_version(rules: DuplicateRules) -> str:
    """Changes when the keys a site gets would change: stored keys of another version are recomputed."""
    basis = json.dumps([4, rules.max_distance_m, rules.ignored_words, rules.generic_words, rules.address_words],
                       sort_keys=True)
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def site_keys(site: SiteReading, rules: DuplicateRules) -> list[str]:
    """The keys stored on a site: its names' word starts, consonants and whole names (with the names'
    numbers), its grid cell and its identifiers."""
    keys = _name_keys(site) | {f"i:{key}" for key in site.identifiers}
    if site.coordinates:
        row, column = _cell(site.coordinates, rules)
        keys.add(f"{site.country}:g:{row}:{column}")
    return sorted(keys)


def lookup_keys(site: SiteReading, rules: DuplicateRules) -> list[str]:
    """The keys to look up for a site's candidates: its own, with every grid cell within the distance."""
    keys = _name_keys(site) | {f"i:{key}" for key in site.identifiers}
    if site.coordinates:
        row, column = _cell(site.coordinates, rules)
        cell = _cell_degrees(rules)
        widest = min(abs(site.coordinates.lat) + 2 * cell, 89.9)
        reach = math.ceil(1 / math.cos(math.radians(widest)))  # cells of longitude within the distance
        keys |= {f"{site.country}:g:{row + dr}:{column + dc}"
                 for dr in (-1, 0, 1) for dc in range(-reach, reach + 1)}
    return sorted(keys)


def _name_keys(site: SiteReading) -> set[str]:
    keys = set()
    for name in site.names:
        if name.is_generic:
            continue
        numbers = "#" + "-".join(sorted(set(name.numbers)))
        prefix = f"{site.country}:"
        keys.add(f"{prefix}n:{name.joined}{numbers}")
        keys.add(f"{prefix}n:{''.join(sorted(name.latin))}{numbers}")
        for part in [name.joined, *name.latin]:
            keys.add(f"{prefix}t:{part[:4]}{numbers}")  # the word's start and end: a typo keeps one of them
            keys.add(f"{prefix}e:{part[-4:]}{numbers}")
            skeleton = consonants(part)
            if len(skeleton) >= 2:
                keys.add(f"{prefix}s:{skeleton}{numbers}")
    return keys


def _cell_degrees(rules: DuplicateRules) -> float:
    return max(rules.max_distance_m, 1.0) / _METRES_PER_DEGREE


def _cell(coordinates: Coordinates, rules: DuplicateRules) -> tuple[int, int]:
    cell = _cell_degrees(rules)
    return math.floor(coordinates.lat / cell), math.floor(coordinates.lon / cell)


# --- uses of the rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    site: Factory
    score: float
    matched_on: list[str] = field(default_factory=list)
    in_file: bool = False  # an import's earlier record, not a registered site


def duplicate_matches(new: SiteDetails | Factory, candidates: Iterable[Factory], rules: DuplicateRules,
                      limit: int | None = None) -> list[Match]:
    """The active sites among ``candidates`` that look like ``new``, best first."""
    reader = reader_for(rules)
    compared = reader.site(new)
    matches = []
    for site in candidates:
        if site.is_merged or site.id == getattr(new, "id", None):
            continue
        found = resemblance(compared, reader.site(site), rules)
        if found:
            matches.append(Match(site, found.score, found.matched_on))
    matches.sort(key=lambda match: (-match.score, match.site.id))
    return matches[: limit or rules.max_candidates]


def import_review(records: list[tuple[Factory, bool]], registered: list[Factory],
                  rules: DuplicateRules) -> dict[str, list[Match]]:
    """For each record of an import not confirmed new: the registered sites and the earlier records of
    the file that look like it, best first (records without any are left out).

    ``records`` are (site, confirmed_new) in file order; ``registered`` the candidates read by their keys.
    """
    reader = reader_for(rules)
    index: dict[str, list[tuple[Factory, bool]]] = {}
    for site in registered:
        if not site.is_merged:
            for key in site_keys(reader.site(site), rules):
                index.setdefault(key, []).append((site, False))
    proposals: dict[str, list[Match]] = {}
    for record, confirmed_new in records:
        reading = reader.site(record)
        if not confirmed_new:
            seen, matches = set(), []
            for key in lookup_keys(reading, rules):
                for candidate, in_file in index.get(key, []):
                    if candidate.id in seen or candidate.id == record.id:
                        continue
                    seen.add(candidate.id)
                    found = resemblance(reading, reader.site(candidate), rules)
                    if found:
                        matches.append(Match(candidate, found.score, found.matched_on, in_file))
            if matches:
                matches.sort(key=lambda match: (-match.score, match.site.id))
                proposals[record.id] = matches[: rules.max_candidates]
        for key in site_keys(reading, rules):
            index.setdefault(key, []).append((record, True))
    return proposals


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


@dataclass(frozen=True)
class DuplicateReview:
    """The best pairs found, how many there were, and whether every active site was compared."""

    pairs: list[DuplicatePair]
    total_pairs: int
    sites_compared: int
    complete: bool

    @property
    def truncated(self) -> bool:
        """More pairs were found than the review lists."""
        return self.total_pairs > len(self.pairs)


def duplicate_pairs(sites: list[Factory], rules: DuplicateRules, max_scored: int = 200_000) -> DuplicateScan:
    """Pairs of active sites that look like one site, by the registration check's rule, best first.

    Only pairs that share a blocking key are scored (sites of two countries never do, except by an
    identifier, which the registry keeps unique). Lookalike names by the thousand make millions of
    pairs: the scan stops once ``max_scored`` were scored.
    """
    reader = reader_for(rules)
    active = sorted((site for site in sites if not site.is_merged), key=lambda site: (site.registered_at, site.id))
    readings = [reader.site(site) for site in active]
    index: dict[str, list[int]] = {}
    for position, reading in enumerate(readings):
        for key in site_keys(reading, rules):
            index.setdefault(key, []).append(position)
    pairs, scored = [], 0
    for i, reading in enumerate(readings):
        if scored >= max_scored:
            return DuplicateScan(_best_first(pairs), complete=False)
        candidates = sorted({j for key in lookup_keys(reading, rules) for j in index.get(key, ()) if j > i})
        scored += len(candidates)
        for j in candidates:
            found = resemblance(reading, readings[j], rules)
            if found:
                pairs.append(DuplicatePair(active[i], active[j], found.score, found.matched_on))
    return DuplicateScan(_best_first(pairs), complete=True)


def _best_first(pairs: list[DuplicatePair]) -> list[DuplicatePair]:
    return sorted(pairs, key=lambda pair: (-pair.score, pair.first.id, pair.second.id))


def index_site(site: Factory, rules: DuplicateRules) -> Factory:
    """Give a site its blocking keys before it is stored (and again when the rules' keys change)."""
    site.match_keys = site_keys(reader_for(rules).site(site), rules)
    site.match_keys_version = keys_version(rules)
    return site
