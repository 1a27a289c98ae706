"""Search for linking: a member finds a site by its name in any script, or its transliteration.

Pure. Every word searched must match a word of the site's name (or legal name), as written
(Unicode-normalised, case-folded, the Turkish i's as one) or transliterated; typos and prefixes are
allowed. In scripts written without spaces (Chinese, Khmer) a word matches inside the name.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from factory_registry.domain.errors import InvalidFieldsError, field_problem
from factory_registry.domain.model import Factory
from factory_registry.domain.reading import CONSONANT_SCRIPTS, CONTINUOUS_SCRIPTS, consonants, latin, scripts, words
from factory_registry.domain.rules import SearchRules


@dataclass(frozen=True)
class SearchCriteria:
    """What a member searches by: a name or an identifier; country and city only narrow."""

    name: str | None = None
    country: str | None = None
    city: str | None = None
    identifier: str | None = None

    def __post_init__(self) -> None:
        if not (self.name or self.identifier):
            # Country or city alone would list a region's sites: a sourcing tool, which the platform is not.
            raise InvalidFieldsError([field_problem("query.name", "search by name or identifier; country and city narrow")])
        if self.name and len(self.name.strip()) < 3 and not scripts(self.name) & CONTINUOUS_SCRIPTS:
            raise InvalidFieldsError([field_problem("query.name", "at least 3 characters (2 in Chinese, Khmer...)")])


@dataclass(frozen=True)
class _NameForms:
    original: tuple[str, ...]
    latin: tuple[str, ...]
    original_text: str  # the words run together: found inside in unspaced scripts
    latin_text: str
    consonant_text: str  # for names in scripts whose transliteration keeps few vowels
    unspaced: bool  # written (in part) in a script without spaces between words

    @classmethod
    def of(cls, text: str) -> _NameForms:
        original = words(text)
        transliterated = tuple(filter(None, map(latin, original)))
        joined, written_in = "".join(transliterated), scripts(text)
        return cls(original, transliterated, "".join(original), joined,
                   consonants(joined) if written_in & CONSONANT_SCRIPTS else "",
                   bool(written_in & CONTINUOUS_SCRIPTS))


def search_score(site: Factory, criteria: SearchCriteria, rules: SearchRules) -> float | None:
    """How well a site answers a search for linking; None when it does not."""
    if site.is_merged:
        return None
    if criteria.country and site.country != criteria.country:
        return None
    if criteria.city and not _same_place(site.city, criteria.city):
        return None
    if criteria.identifier:
        wanted = _compact(criteria.identifier)
        values = site.identifiers.keys().values()
        if not any(_compact(key.split(":")[-1]) == wanted for key in values):
            return None
    if not criteria.name:
        return 100.0
    searched = words(criteria.name)
    best = None
    for name in filter(None, (site.name, site.legal_name)):
        forms = _NameForms.of(name)
        scores = [_searched_word_score(word, forms) for word in searched]
        if scores and min(scores) >= rules.min_name_score:
            score = round(sum(scores) / len(scores), 1)
            best = score if best is None else max(best, score)
    return best


def _searched_word_score(word: str, name: _NameForms) -> float:
    """The best match of one searched word in a name: as written, transliterated, or inside."""
    transliterated = latin(word)
    scores = [max((_word_score(word, own) for own in name.original), default=0.0)]
    if transliterated:
        scores.append(max((_word_score(transliterated, own) for own in name.latin), default=0.0))
        if name.unspaced and transliterated in name.latin_text:
            # "Huali" in 深圳市华丽服装 (shenzhenshihualifuzhuang): a name in a script without spaces.
            scores.append(100.0)
        skeleton = consonants(transliterated)
        if name.consonant_text and len(skeleton) >= 3 and skeleton in name.consonant_text:
            scores.append(90.0)  # "Al Noor" in النور (lnwr)
    if name.unspaced and word in name.original_text:
        scores.append(100.0)
    return max(scores)


def _word_score(searched: str, word: str) -> float:
    prefix = fuzz.partial_ratio(searched, word) if len(searched) <= len(word) else 0.0
    return max(fuzz.ratio(searched, word), prefix)


def _same_place(site_city: str | None, wanted: str) -> bool:
    if not site_city:
        return False
    site_words, wanted_words = words(site_city), words(wanted)
    return site_words == wanted_words or tuple(map(latin, site_words)) == tuple(map(latin, wanted_words))


def _compact(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())
