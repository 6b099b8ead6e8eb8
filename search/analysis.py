"""German text analysis shared by every search engine: folding, words and compound splitting.

Both engines index the same *parts* text, computed here once per document: the known words
that German compounds are glued from ("Förderprogramm" → "programm", "Glasfasernetz" →
"glasfaser glas faser netz"). Each engine indexes it as a separate, lower-weighted text field
with the analyser of its normal text (stemmed), so a query for "Programm" finds documents that
only contain "Förderprogramm", below those that contain "Programm" itself, and "Sensor" finds
"Umweltsensoren" (the part "sensoren" is stemmed like any other word).

The word list is the noun list of the ``german-nouns`` package (Wiktionary DE, CC BY-SA 4.0;
all inflected forms, about 270,000 of them), plus ``EXTRA_WORDS`` below: loanwords and
modifiers common in smart-city texts that Wiktionary does not list as nouns. It is loaded
lazily, on the first split, into one frozenset (about 20 MB); every split is cached.

Splitting (``split_compound``) is right-headed, as German compounds are: the last part is a
known word, the rest is split again into known words, each of at least ``MIN_PART`` letters,
with a linking element ("Fugen-s", -es, -n, -en, -er, -e) allowed between parts; the longest
head wins. A modifier the list does not know is accepted only when it is at least
``MIN_UNKNOWN`` letters long and the head at least ``MIN_UNKNOWN_HEAD`` ("förder" +
"programm"), so that prefixes such as "ver-" or "be-" never split off a short word
("Verwendung" has no "Dung"). Only known parts are returned. Known splits can still be wrong
in meaning ("Rathaus" → "rat", "haus"): a part match ranks below a whole-word match.
"""

from __future__ import annotations

import html
import importlib.resources
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

MIN_PART = 4  # shortest part ("Plan", "Netz"; not "Rad": three letters hide in too many words)
MIN_SUBPART = 4  # shortest part of a part ("Glas" and "Faser" in "Glasfaser", never "sen" in "Sensoren")
MIN_UNKNOWN = 6  # shortest modifier that need not be a known word ("förder"; not "besch" + "reibung")
MIN_UNKNOWN_HEAD = 7  # shortest head after an unknown modifier ("programm"; "Verwendung" has no "dung")
LINKING_ELEMENTS = ("es", "en", "er", "s", "n", "e")  # "Fugenelemente", longest first
# Heads that are really derivational suffixes or too general to stand for a part of meaning:
# "Gemeinschaft" is not a kind of "Schaft".
NOT_HEADS = frozenset({"schaft", "schaften", "heit", "heiten", "keit", "keiten", "ungen", "chen", "lein"})
# Common in smart-city texts, missing from the Wiktionary noun list: English loanwords and
# verb stems used as modifiers ("Fahrplan", "Messnetz", "Förderprogramm"). Lower case, as ``str.casefold`` writes them.
EXTRA_WORDS = frozenset(
    """
    stream streams streaming apps cloud clouds sharing tool tools tracking tracker monitoring hubs labs
    smart city data open online digital tablet tablets chat chatbot bots server cluster sensorik lora lorawan
    fahr förder mess wohn lern prüf steuer zähl schalt such meld
    """.split()
)

WORD_RE = re.compile(r"[^\W_]+")
# Word kinds of the noun list that are no parts of ordinary compounds.
NOT_PARTS = ("Nachname", "Vorname", "Toponym", "Eigenname", "Abkürzung", "Buchstabe", "Affix", "Lexem", "Straßenname")
_LETTERS = re.compile(r"[^\W\d_]+")
_PUNCTUATION = ".,;:!?()[]{}\"'„“”‚‘’»«–—-/*…"
_COMPOUND_CANDIDATE = re.compile(rf"[^\W\d_]{{{2 * MIN_PART},}}")  # letter runs long enough for two parts
_VOWEL_E = re.compile(r"(?<!q)([aou])e")

_lock = threading.Lock()
_words: frozenset[str] | None = None


def _names(lines: list[str]) -> set[int]:
    """Rows of ``nouns.csv`` (0 = the first after the header) that are names, abbreviations or
    affixes: as compound parts they would split ordinary words ("Besch" + "reibung")."""
    rows = set()
    for row, line in enumerate(lines[1:]):
        rest = line.partition(",")[2]
        pos = rest[1 : rest.find('"', 1)] if rest.startswith('"') else rest.partition(",")[0]
        if any(kind in pos for kind in NOT_PARTS):
            rows.add(row)
    return rows


def load_words() -> frozenset[str]:
    """The word list, casefolded, read once per process (on first use, not at import)."""
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                package = importlib.resources.files("german_nouns")
                names = _names(package.joinpath("nouns.csv").read_text(encoding="utf-8").splitlines())
                known = {word for word in EXTRA_WORDS if len(word) >= MIN_PART}
                # index.txt: every form of every noun, "form<TAB>row<TAB>row…" (rows of nouns.csv).
                for line in package.joinpath("index.txt").read_text(encoding="utf-8").splitlines():
                    word, _, rows = line.partition("\t")
                    word = word.casefold()
                    if len(word) < MIN_PART or not word.isalpha():
                        continue
                    if any(int(row) not in names for row in rows.split() if row.isdigit()):
                        known.add(word)
                _words = frozenset(known)
    return _words


def fold(text: str) -> str:
    """Case- and accent-insensitive form (ß → ss, ä → a), as ASCII folding does in an index."""
    text = text.casefold().replace("ß", "ss")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold_german(text: str) -> str:
    """``fold`` plus ae/oe/ue → a/o/u, as Elasticsearch's ``german_normalization`` folds."""
    return _VOWEL_E.sub(r"\1", fold(text))


def words(text: str) -> str:
    """Lower-case words separated by single spaces, as the tokenizers see them:
    "Smart-City-Strategie" → "smart city strategie"."""
    return " ".join(WORD_RE.findall(text.casefold()))


def _modifiers(left: str) -> Iterable[str]:
    """``left`` as it stands and without each linking element it may end in."""
    yield left
    for link in LINKING_ELEMENTS:
        if left.endswith(link) and len(left) - len(link) >= MIN_PART:
            yield left[: -len(link)]


@lru_cache(maxsize=200_000)
def _known_split(word: str, whole: bool = True) -> tuple[str, ...] | None:
    """``word`` as known words only (itself if it is one and ``whole``), fewest parts first;
    None if impossible."""
    known = load_words()
    if whole and word in known:
        return (word,)
    best: tuple[str, ...] | None = None
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[cut:]
        if head not in known or head in NOT_HEADS:
            continue
        for modifier in _modifiers(word[:cut]):
            left = _known_split(modifier)
            if left is not None and (best is None or len(left) + 1 < len(best)):
                best = (*left, head)
        if best is not None and len(best) == 2:
            break  # the longest head with a known modifier: nothing shorter can beat two parts
    return best


@lru_cache(maxsize=500_000)
def split_compound(word: str) -> tuple[str, ...]:
    """The known parts of a compound (casefolded), modifiers before the head; () if ``word``
    is no compound. Parts that are compounds themselves are split too, after them:
    "glasfasernetz" → ("glasfaser", "netz", "glas", "faser")."""
    word = word.casefold()
    if len(word) < 2 * MIN_PART or not word.isalpha():
        return ()
    known = load_words()
    fallback: tuple[str, ...] = ()
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[cut:]
        if head not in known or head in NOT_HEADS:
            continue
        for modifier in _modifiers(word[:cut]):
            left = _known_split(modifier)
            if left is not None:
                return _with_subparts((*left, head))
        if not fallback and cut >= MIN_UNKNOWN and len(head) >= MIN_UNKNOWN_HEAD:
            fallback = (head,)  # the longest head after an unknown modifier of MIN_UNKNOWN letters
    return _with_subparts(fallback)


def _with_subparts(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The parts, then the known parts of each part, if all of those are MIN_SUBPART long."""
    extra: list[str] = []
    for part in parts:
        subparts = _known_split(part, whole=False) or ()
        if len(subparts) > 1 and min(map(len, subparts)) >= MIN_SUBPART:
            extra.extend(subparts)
    return tuple(dict.fromkeys((*parts, *extra)))


def parts_text(*texts: str) -> str:
    """The parts of every compound in ``texts``, one per occurrence, separated by spaces: the
    text of the parts field. Words that are no compounds contribute nothing."""
    found: list[str] = []
    shortest = 2 * MIN_PART
    for text in texts:
        # Splitting at whitespace first is several times faster than a Unicode regex over the
        # whole text; only the rare token with inner punctuation or digits goes through it.
        for token in text.split() if text else ():
            if len(token) < shortest:
                continue
            word = token.strip(_PUNCTUATION)
            if word.isalpha():
                if len(word) >= shortest:
                    found.extend(split_compound(word))
            else:
                for part in _COMPOUND_CANDIDATE.findall(word):
                    found.extend(split_compound(part))
    return " ".join(found)


def _inflected(part: str, term: str) -> bool:
    """Whether ``part`` is ``term`` or ``term`` with a German noun ending (both folded)."""
    if part == term:
        return True
    longer, shorter = (part, term) if len(part) > len(term) else (term, part)
    return longer.startswith(shorter) and longer[len(shorter) :] in ("e", "n", "en", "s", "es", "er", "ern", "ns")


def part_matcher(query_words: Iterable[str]) -> Callable[[str], bool]:
    """A test whether a text word is a compound with one of ``query_words`` as a part."""
    terms = {fold(w) for word in query_words for w in WORD_RE.findall(word)}

    def matches(word: str) -> bool:
        return any(_inflected(fold(part), term) for part in split_compound(word) for term in terms)

    return matches


def compound_snippet(text: str, query_words: Iterable[str], max_chars: int) -> str:
    """A passage of ``text`` around the first compound that contains a query word as a part,
    with every such compound in ``<mark>``, everything else escaped; "" if there is none.

    For the hits that only the parts field found: the engines' highlighters see the body's
    whole words, so they have nothing to mark for "Programm" in "Förderprogramm".
    """
    matches = part_matcher(query_words)
    spans: list[tuple[int, int]] = []
    for found in _LETTERS.finditer(text):  # up to the end of the passage only: a body can be a whole PDF
        if spans and found.start() > spans[0][0] + max_chars:
            break
        if len(found.group()) >= 2 * MIN_PART and matches(found.group()):
            spans.append((found.start(), found.end()))
    if not spans:
        return ""
    first = spans[0][0]
    start = max(0, first - max_chars // 3)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space > 0 else end
    out, position = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        out += [html.escape(text[position:span_start]), "<mark>", html.escape(text[span_start:span_end]), "</mark>"]
        position = span_end
    out.append(html.escape(text[position:end]))
    body = " ".join("".join(out).split())
    return ("… " if start else "") + body + (" …" if end < len(text) else "")
