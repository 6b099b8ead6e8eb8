"""Queries as people type them: filler words, synonyms, "most words" matching, typos in suggestions.

Both engines build their text queries from ``plan``, so they agree on what a query means:

* **Filler words.** "Wie können wir Straßenbeleuchtung sparen?" asks for two things; the
  other words are the question's grammar. ``STOP_WORDS`` is the one curated list of German
  stop and filler words; they are dropped from a query unless nothing else is left (a query
  made only of them behaves as before: the engines' own analysis decides).
* **Synonyms.** The Redaktion keeps ``search.models.Synonym`` in the admin. A query word or
  word group that is an entry's term or alternative is matched literally *or* as any other
  member of its entry, each alternative boosted below the literal word (``SYNONYM_BOOST``).
  The table is read once per process and ``SYNONYM_TTL`` seconds; saving or deleting an
  entry clears it in the process that saved (``forget_synonyms``), other processes follow
  within the TTL.
* **Relaxed matching.** Every unit (word, synonym group, phrase) is required. When that finds
  fewer than ``RELAX_BELOW`` documents and there are at least two units, the engines search
  again with ``minimum_should_match`` units (``QueryPlan.minimum_should_match``), ranked by
  score, which grows with the number and the rarity of the matched words, and say so
  (``EngineResult.relaxed``).
* **Typos in suggestions.** ``fuzzy_match`` decides whether a title or tag fits what was typed
  with a typo or two (``suggest_distance``), the last word as a prefix.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DatabaseError

from .query import ParsedText

logger = logging.getLogger(__name__)

# Below this many hits with every word, a query of several words is searched again with most of them.
RELAX_BELOW = 3
# The score factor of a synonym's match relative to the literal word: the typed word ranks first.
SYNONYM_BOOST = 0.6
# Suggestions tolerate typos only when fewer completions than this fit what was typed exactly:
# someone who typed right gets no look-alikes ("Bürger" → not "Burgenland").
FUZZY_SUGGEST_BELOW = 3
SYNONYM_TTL = 300.0  # seconds another process may keep using a table that was changed meanwhile
SYNONYM_RETRY = 10.0  # seconds until a table that could not be read is tried again
MAX_KEY_WORDS = 8  # sub-words of a synonym term ("E-Auto" has two)

# Question words, pronouns, auxiliary and modal verbs, articles, prepositions, conjunctions and
# particles: what people type around the words they look for. Lower case; ß as written.
STOP_WORDS: frozenset[str] = frozenset(
    """
    wie was wo wer wen wem wessen wann warum wieso weshalb weswegen welche welcher welches welchen welchem
    woher wohin womit wofür wozu worüber wodurch worin
    ich du er sie es wir ihr man mich mir dich dir uns euch sich ihn ihm ihnen
    mein meine meiner meinen meinem meines dein deine deiner deinen deinem deines
    unser unsere unserer unseren unserem unseres euer eure eurer euren eurem eures
    sein seine seiner seinen seinem seines ihre ihrer ihren ihrem ihres
    der die das den dem des ein eine einer einen einem eines dies diese dieser diesen diesem dieses
    jene jener jenes jenen jenem
    kann kannst können könnt könnte könnten muss musst müssen müsst müsste müssten soll sollst sollen sollt
    sollte sollten darf darfst dürfen dürft dürfte dürften will willst wollen wollt wollte wollten
    möchte möchtest möchten mag mögen
    ist bin bist sind seid war warst waren wart wäre wären sei gewesen
    hat habe hast haben habt hatte hatten hätte hätten gehabt
    wird werde wirst werden werdet wurde wurden würde würden worden
    gibt gab gäbe geben gegeben machen macht mache gemacht tun tut getan lassen lässt
    in im an am auf aus bei beim mit nach von vom zu zum zur für über unter um durch gegen ohne vor hinter
    neben zwischen bis seit ab per pro
    und oder aber doch sondern dass ob wenn als falls weil damit sowie bzw
    auch noch schon nur sehr mal denn eigentlich etwa gerne gern bitte überhaupt hier dort da so etwas
    einige einigen viele vielen alle allen jede jeder jedes jeden irgendwie irgendwelche
    nicht kein keine keinen keiner
    gut gute guten beste besten
    """.split()
)

_SUBWORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, ß → ss, accents off: the form in which words are compared here."""
    text = text.casefold().replace("ß", "ss")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def key_of(text: str) -> tuple[str, ...]:
    """The folded sub-words of a term: "E-Auto" and "e auto" are the same key."""
    return tuple(_SUBWORD.findall(fold(text)))


def is_stop_word(word: str) -> bool:
    words = _SUBWORD.findall(word.casefold())
    return bool(words) and all(w in STOP_WORDS for w in words)


# ----------------------------------------------------------------------------- synonyms

SynonymTable = dict[tuple[str, ...], tuple[str, ...]]


def build_table(entries: Iterable[tuple[str, Iterable[str]]]) -> SynonymTable:
    """Each member of an entry (the term and its alternatives) maps to all the other members."""
    table: dict[tuple[str, ...], dict[str, None]] = {}
    for term, alternatives in entries:
        members = [term, *alternatives]
        for member in members:
            key = key_of(member)
            if not key or len(key) > MAX_KEY_WORDS:
                continue
            others = table.setdefault(key, {})
            for other in members:
                if key_of(other) != key and key_of(other):
                    others[" ".join(other.split())] = None
    return {key: tuple(others) for key, others in table.items() if others}


_lock = threading.Lock()
_cache: tuple[float, SynonymTable] | None = None  # (valid until, table)


def synonym_table() -> SynonymTable:
    """The Redaktion's synonyms, from the database at most every SYNONYM_TTL seconds.

    If the database cannot be read (down, or not migrated yet), searches go on without
    synonyms, and the next try is SYNONYM_RETRY seconds later: a search must not fail for them.
    """
    global _cache
    now = time.monotonic()
    with _lock:
        if _cache is not None and now < _cache[0]:
            return _cache[1]
    from .models import MAX_SYNONYMS, Synonym, split_alternatives  # imported late: engines load before the apps

    try:
        rows = list(Synonym.objects.order_by("pk").values_list("term", "alternatives")[:MAX_SYNONYMS])
    except DatabaseError as exc:
        logger.warning("Synonyme nicht lesbar, Suche ohne Synonyme: %s", exc)
        with _lock:
            _cache = (now + SYNONYM_RETRY, {})
        return {}
    table = build_table((term, split_alternatives(alternatives)) for term, alternatives in rows)
    with _lock:
        _cache = (now + SYNONYM_TTL, table)
    return table


def forget_synonyms(**kwargs) -> None:
    """Signal receiver (and for tests): the next query reads the synonyms again."""
    global _cache
    with _lock:
        _cache = None


# ----------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Unit:
    """A query word, or a group of words that is a synonym term, with the synonym's other forms."""

    words: tuple[str, ...]
    alternatives: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def boost(self, alternative: str) -> float:
        """SYNONYM_BOOST, divided by how many more words the alternative has than the typed
        unit: the scores of its words add up, and "künstliche Intelligenz" (two words) must
        not outrank a literal "KI" (one) just by having more of them."""
        return SYNONYM_BOOST * min(1.0, len(self.words) / max(1, len(alternative.split())))


@dataclass(frozen=True)
class QueryPlan:
    units: tuple[Unit, ...] = ()
    phrases: tuple[str, ...] = ()
    only_stop_words: bool = False

    @property
    def empty(self) -> bool:
        return not self.units and not self.phrases

    @property
    def clauses(self) -> int:
        return len(self.units) + len(self.phrases)

    @property
    def relaxable(self) -> bool:
        """Whether "most of the words" can differ from "all of them"."""
        return self.clauses >= 2 and not self.only_stop_words

    @property
    def minimum_should_match(self) -> int:
        """Most of the units: more than half of them, at least one (2 → 1, 3 → 2, 4 → 2, 5 → 3)."""
        return max(1, math.ceil(self.clauses / 2))


def plan(parsed: ParsedText, table: SynonymTable | None = None) -> QueryPlan:
    """Units of ``parsed``: synonym groups (longest first), then single words without filler words."""
    if parsed.empty:
        return QueryPlan()
    if table is None:
        table = synonym_table() if parsed.words else {}
    keys = [key_of(word) for word in parsed.words]
    longest = max((len(k) for k in table), default=0)
    units: list[tuple[Unit, bool]] = []  # (unit, a filler word)
    i = 0
    while i < len(parsed.words):
        matched = None
        if table:
            for j in range(len(parsed.words), i, -1):
                key = tuple(part for k in keys[i:j] for part in k)
                if key and len(key) <= longest and key in table:
                    matched = (j, table[key])
                    break
        if matched is not None:
            j, alternatives = matched
            units.append((Unit(tuple(parsed.words[i:j]), alternatives), False))
            i = j
        else:
            units.append((Unit((parsed.words[i],)), is_stop_word(parsed.words[i])))
            i += 1
    content = tuple(unit for unit, filler in units if not filler)
    if not content and not parsed.phrases:
        # Only filler words: as before, every word goes to the engine's own analysis.
        return QueryPlan(tuple(unit for unit, _ in units), (), only_stop_words=bool(units))
    return QueryPlan(content, parsed.phrases)


# ----------------------------------------------------------------------------- suggestions


def suggest_distance(word: str) -> int:
    """Typos tolerated in a typed word, as in full-text search: none below 5 characters, two from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def edit_distance(typed: str, word: str, prefix: bool = False) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that turn ``typed`` into ``word``
    (``prefix``: into the best-fitting beginning of ``word``)."""
    rows = [list(range(len(word) + 1))]
    for i in range(1, len(typed) + 1):
        row = [i] + [0] * len(word)
        for j in range(1, len(word) + 1):
            cost = 0 if typed[i - 1] == word[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and typed[i - 1] == word[j - 2] and typed[i - 2] == word[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return min(rows[-1]) if prefix else rows[-1][-1]


def fuzzy_match(candidate: str, typed: str) -> tuple[bool, int] | None:
    """(at the candidate's start, edits) if ``typed`` fits consecutive words of ``candidate``:
    every typed word but the last as a whole word, the last as a word's beginning, each within
    its ``suggest_distance``. None when it does not fit."""
    typed_words = key_of(typed)
    words = key_of(candidate)
    if not typed_words:
        return None
    best: tuple[bool, int] | None = None
    for start in range(len(words) - len(typed_words) + 1):
        edits = 0
        for offset, typed_word in enumerate(typed_words):
            last = offset == len(typed_words) - 1
            distance = edit_distance(typed_word, words[start + offset], prefix=last)
            if distance > suggest_distance(typed_word):
                break
            edits += distance
        else:
            found = (start == 0, edits)
            if best is None or (not found[0], found[1]) < (not best[0], best[1]):
                best = found
    return best
