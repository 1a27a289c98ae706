"""How the registry reads a site's name or address, in any script: as written and transliterated.

Pure. Names are stored as written; these readings exist only to compare and search:
- ``fold``: Unicode-normalised (NFKC) and case-folded, the Turkish dotted and dotless i read as one
  letter, so "İSTANBUL", "Istanbul" and "ıstanbul" are one word in the original script;
- ``latin``: the transliteration (anyascii), so "华丽" and "Huali", "Việt Tiến" and "Viet Tien" compare;
- a glossary turns the generic words of an industry (garment, factory, ltd...) in many languages into
  one concept each, so "Garment Factory", "Fabrique de vêtements" and "服装厂" read alike, and what is
  left is the distinctive part of a name ("Huali", "Sunrise") that tells sites apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz, process

_TURKISH_I = str.maketrans({"İ": "i", "ı": "i"})
# Scripts written without spaces between words: a glossary word is found inside a run of letters.
CONTINUOUS_SCRIPTS = frozenset({"CJK", "KHMER", "THAI", "LAO", "MYANMAR", "HIRAGANA", "KATAKANA", "TIBETAN"})
# Scripts whose transliteration drops vowels (abjads; abugidas' inherent vowel): compared on the consonants
# too ("lnwr" ~ "Al Noor", "pdma" ~ "Padma").
CONSONANT_SCRIPTS = frozenset({"ARABIC", "HEBREW", "SYRIAC", "THAANA", "KHMER", "BENGALI", "DEVANAGARI", "GURMUKHI",
                               "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "MYANMAR"})
_VOWELS = re.compile(r"[aeiouwy]+")


def fold(text: str) -> str:
    """NFKC, case-folded, Turkish I/İ/ı/i as one letter: the original script, compared without case."""
    return unicodedata.normalize("NFKC", text).translate(_TURKISH_I).casefold()


def _is_word_character(character: str) -> bool:
    return unicodedata.category(character)[0] in "LMN"


@lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """The folded words of ``text`` (letters, marks and digits of any script; the rest separates)."""
    found, current = [], []
    for character in fold(text):
        if _is_word_character(character):
            current.append(character)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return tuple(found)


@lru_cache(maxsize=200_000)
def latin(word: str) -> str:
    """One folded word transliterated to lower-case ASCII letters and digits ("华丽" -> "huali")."""
    return "".join(character for character in anyascii(word).lower() if character.isalnum())


def script(character: str) -> str | None:
    """The script of a letter by its Unicode name's first word ("LATIN", "CJK", "BENGALI"...)."""
    if not unicodedata.category(character).startswith("L"):
        return None
    name = unicodedata.name(character, "")
    return name.split(" ", 1)[0] if name else None


def scripts(text: str) -> frozenset[str]:
    return frozenset(filter(None, map(script, text)))


def consonants(text: str) -> str:
    """The consonant skeleton of a transliteration (vowels and the semivowels w, y dropped)."""
    return _VOWELS.sub("", text)


_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th|er|e|eme|ème|º|ª|inci|nci|uncu|üncü|ıncı)$")
_LETTERED = re.compile(r"^\d+[a-z]$")


def number(word: str) -> str | None:
    """The number a word holds in any digits ("১২" -> "12", "3rd" -> "3", plot "12a"), else None."""
    if word.isdecimal():
        return str(int(word))
    word = unicodedata.normalize("NFKC", word)
    ordinal = _ORDINAL.match(word)
    if ordinal:
        return str(int(ordinal[1]))
    return word if _LETTERED.match(word) else None


class Glossary:
    """Generic words, each a list of ways to write one concept; a concept "" is dropped (legal forms).

    A word is looked up folded and transliterated; phrases ("nhà máy", "ltd şti") as word sequences;
    in scripts without spaces, inside the run of letters ("华丽服装厂" -> "华丽" + garment + factory).
    """

    def __init__(self, concepts: dict[str, list[str]]) -> None:
        self.single: dict[str, str] = {}
        self.phrases: dict[tuple[str, ...], str] = {}
        self.inside: list[tuple[str, str]] = []
        for concept, spellings in concepts.items():
            for spelling in [concept, *spellings] if concept else spellings:
                parts = words(spelling)
                if not parts:
                    continue
                if len(parts) > 1:
                    self.phrases[parts] = concept
                    self.phrases[tuple(map(latin, parts))] = concept
                elif scripts(parts[0]) & CONTINUOUS_SCRIPTS:
                    self.inside.append((parts[0], concept))
                else:
                    self.single[parts[0]] = concept
                    self.single.setdefault(latin(parts[0]), concept)
        self.inside.sort(key=lambda entry: -len(entry[0]))  # the longest first: 有限公司 before 公司
        self.longest_phrase = max(map(len, self.phrases), default=1)
        self._spelt = sorted(word for word in self.single if word.isascii() and len(word) >= 5)
        self._misspelt: dict[str, str | None] = {}

    def concept(self, word: str) -> str | None:
        """The concept of one word, a misspelt long Latin word too ("textie"); None: not a generic word."""
        found = self.single.get(word, self.single.get(latin(word)))
        if found is not None or len(word) < 5 or not word.isascii():
            return found
        if word not in self._misspelt:
            best = process.extractOne(word, self._spelt, scorer=fuzz.ratio, score_cutoff=85)
            self._misspelt[word] = self.single[best[0]] if best else None
        return self._misspelt[word]

    def split(self, text: str) -> list[tuple[str, str | None]]:
        """The words of ``text``, each with its concept (None: a distinctive word; "": dropped)."""
        result: list[tuple[str, str | None]] = []
        folded = list(words(text))
        index = 0
        while index < len(folded):
            for size in range(min(self.longest_phrase, len(folded) - index), 1, -1):
                phrase = tuple(folded[index:index + size])
                concept = self.phrases.get(phrase, self.phrases.get(tuple(map(latin, phrase))))
                if concept is not None:
                    result.append((" ".join(phrase), concept))
                    index += size
                    break
            else:
                word = folded[index]
                concept = self.concept(word)
                if concept is None and self.inside and scripts(word) & CONTINUOUS_SCRIPTS:
                    result.extend(self._split_inside(word))
                else:
                    result.append((word, concept))
                index += 1
        return result

    def _split_inside(self, run: str) -> list[tuple[str, str | None]]:
        for spelling, concept in self.inside:
            at = run.find(spelling)
            if at >= 0:
                before, after = run[:at], run[at + len(spelling):]
                return [*(self._split_inside(before) if before else []), (spelling, concept),
                        *(self._split_inside(after) if after else [])]
        return [(run, None)]


@dataclass(frozen=True)
class Reading:
    """A name or an address as compared: its distinctive words (as written and transliterated),
    the generic concepts it names, the numbers it holds and the scripts it is written in."""

    original: tuple[str, ...]
    latin: tuple[str, ...]
    generic: frozenset[str]
    numbers: tuple[str, ...]  # sorted, repeats kept: "plot 3, road 3" is not "plot 3"
    scripts: frozenset[str]

    @property
    def is_generic(self) -> bool:
        """Only generic words (e.g. "Garment Factory"): the name alone tells nothing apart."""
        return not self.latin

    @property
    def joined(self) -> str:
        return "".join(self.latin)


def read(text: str | None, glossary: Glossary) -> Reading:
    """The reading of a name or an address through ``glossary``."""
    original, transliterated, generic, numbers = [], [], set(), []
    for word, concept in glossary.split(text or ""):
        if concept:
            generic.add(concept)
            continue
        if concept == "":
            continue
        as_number = number(word)
        if as_number is not None:
            numbers.append(as_number)
            continue
        original.append(word)
        transliterated.append(latin(word))
    # Single Latin letters are the initials of legal forms (S.A.E., A.Ş.), not a name.
    kept = [(o, t) for o, t in zip(original, transliterated) if t and not (len(o) == 1 and o.isascii())]
    return Reading(
        original=tuple(o for o, _ in kept), latin=tuple(t for _, t in kept), generic=frozenset(generic),
        numbers=tuple(sorted(numbers)), scripts=scripts("".join(o for o, _ in kept)),
    )
