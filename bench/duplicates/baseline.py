"""The duplicate rule before names were read in every script (factory-registry rules 2026.1), kept to
measure against: ASCII-only normalised names (other scripts vanish, so two Chinese names are "" and
score 100), token-sorted name ratio weighted with the address's token-set ratio, or coordinates within
150 m; every pair of one country compared (the old scan was exact for its rule).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from factory_registry.adapters.rules import load_registry_rules
from factory_registry.domain.values import Coordinates

_NOT_WORD = re.compile(r"[^0-9a-z]+")
RULES = load_registry_rules("registry-2026.1.json").duplicates


def normalise(text: str | None, ignored_words: frozenset[str] = frozenset()) -> str:
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(word for word in _NOT_WORD.split(ascii_text) if word and word not in ignored_words)


def _compared(record: dict) -> tuple[str, str, Coordinates | None]:
    ignored = frozenset(RULES.ignored_words)
    name = " ".join(sorted(normalise(record["name"], ignored).split()))
    coordinates = Coordinates(**record["coordinates"]) if record.get("coordinates") else None
    return name, normalise(record.get("address"), ignored), coordinates


def is_duplicate(a: tuple, b: tuple) -> bool:
    name_score = fuzz.ratio(a[0], b[0])
    if a[1] and b[1]:
        address_score = fuzz.token_set_ratio(a[1], b[1])
        text = (RULES.name_weight * name_score + RULES.address_weight * address_score) / (
            RULES.name_weight + RULES.address_weight)
    else:
        text = name_score
    near = a[2] is not None and b[2] is not None and a[2].distance_m(b[2]) <= RULES.max_distance_m
    return text >= RULES.min_score or near


def baseline_pairs(records: list[dict]) -> set[tuple[str, str]]:
    """The pairs (record ids in order) the old rule proposes."""
    by_country: dict[str, list[tuple[str, tuple]]] = {}
    for record in records:
        by_country.setdefault(record["country"], []).append((record["record_id"], _compared(record)))
    found = set()
    for block in by_country.values():
        for i, (first, a) in enumerate(block):
            for second, b in block[i + 1:]:
                if is_duplicate(a, b):
                    found.add(tuple(sorted((first, second))))
    return found
