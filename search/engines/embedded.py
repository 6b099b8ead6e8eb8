"""The embedded search engine: Tantivy (through its Python bindings) in index files on disk.

No server to run: every web process opens the same index directory. What that needs, and
how this module provides it:

* **One writer at a time.** Tantivy guards a directory with an advisory lock
  (``.tantivy-writer.lock``, taken with ``flock``). The kernel releases it when the holding
  process dies, so a process killed mid-write never blocks the next writer. We take the
  lock per ``bulk`` call, commit and release it at once, and retry with backoff for up to
  ``LOCK_TIMEOUT`` seconds when another process holds it; then ``EngineUnavailable``.
* **Crash safety.** Tantivy publishes a commit by atomically replacing ``meta.json``;
  segments written by an uncommitted writer are invisible and are garbage-collected by the
  next writer. A process killed in the middle of a bulk therefore leaves the last commit.
* **Fresh readers.** Each search ``stat``s the pointer file and the live ``meta.json``
  (two cheap syscalls) and reloads the reader when either changed, or at the latest every
  ``RELOAD_INTERVAL`` seconds; another process's commit is visible to the next search.
* **Atomic rebuilds.** The live index is a *generation* directory named in the pointer file
  ``CURRENT``. ``rebuild`` fills a fresh generation next to it and switches by
  ``os.replace`` of the pointer, so searches in every process keep using the old
  generation until they notice the new pointer. While it rebuilds it holds the old
  generation's writer lock, so no ``bulk`` from another process lands in an index that is
  about to be discarded (those writers wait, then write into the new generation).
* **A lost index stays lost.** The site's engine (``create_if_missing=False``, as
  ``build_engine`` makes it) never creates an index on the fly: if the index directory or
  the live generation disappears, searches and writes raise ``EngineUnavailable`` (search
  falls back to the database, publishing leaves its outbox rows pending) and ``health``
  says what is wrong, until ``search_rebuild`` builds a complete new one. Filling a fresh
  index with the next publish would give a one-document index that looks healthy.

Text analysis is German (lower-casing, stop words, Snowball stemming, ASCII folding, so
"Straße"/"Strasse" and "Bürger"/"Buerger"/"Burger" meet). The parts of compound words
(``search.analysis``, shared with Elasticsearch) are a separate, stemmed, lower-weighted
field; an unstemmed field of all words and parts serves typo tolerance.
"""

from __future__ import annotations

import fcntl
import html
import json
import logging
import os
import random
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import tantivy
from tantivy import Filter, Occur, Query, TextAnalyzer, TextAnalyzerBuilder, Tokenizer

from search.analysis import compound_snippet, fold, parts_text
from search.analysis import words as _words
from search.analysis_query import (
    FUZZY_SUGGEST_BELOW,
    RELAX_BELOW,
    Unit,
    fuzzy_match,
    plan,
    suggest_distance,
)
from search.documents import INTEGER_FIELDS, KEYWORD_FIELDS, SCALAR_FIELDS, TEXT_FIELDS
from search.facets import FACETS, FACETS_BY_NAME
from search.query import ParsedText, SearchRequest

from .base import (
    REASONS,
    Document,
    DocumentsRejected,
    EngineHealth,
    EngineHit,
    EngineResult,
    EngineUnavailable,
    Problem,
    SearchEngine,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Bump when the schema or an analyser changes: a generation of another version is not
# opened (it would be read with the wrong fields/tokenizers); a fresh, empty one is made
# instead and ``search_rebuild`` fills it.
SCHEMA_VERSION = 7
POINTER = "CURRENT"
GENERATION_PATTERN = re.compile(r"^v(\d+)-[0-9a-z-]+$")
ENGINE_LOCK = ".engine.lock"
# Our own writer lock, one file in each generation's directory (Tantivy leaves unknown files
# alone). Taken with ``flock`` before Tantivy's writer is opened, so our processes wait for
# each other here, and an error from Tantivy's ``writer()`` is never "someone else holds it".
WRITER_LOCK = ".writer.lock"
SEGMENT_FILE = re.compile(r"^[0-9a-f]{32}$")  # Tantivy names segment files <uuid hex>.<ext>

LOCK_TIMEOUT = 10.0  # seconds a bulk waits for another process's writer
REBUILD_LOCK_TIMEOUT = 60.0
RELOAD_INTERVAL = 0.5  # reload the reader at least this often, even if no change was seen
BULK_HEAP = 32_000_000  # bytes; Tantivy needs >= 15 MB per indexing thread
REBUILD_HEAP = 128_000_000  # per indexing thread
# A rebuild tokenises on up to two threads while Python converts the next documents.
REBUILD_THREADS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))

FACET_BUCKETS = 1000  # values reported per facet (the most frequent): more than any facet shows
# Tantivy releases the GIL while it aggregates: the facets are counted on worker threads
# while the request thread ranks and fetches the page. One pool per process, shared by all
# requests.
AGGREGATION_THREADS = 2
# Counts of searches without text (the empty search page, browsing by facets) depend only on
# the filters and the index state; they are kept per index state for this many filter sets.
COUNT_CACHE_SIZE = 64
_aggregation_pool: ThreadPoolExecutor | None = None
_aggregation_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _aggregation_pool
    with _aggregation_pool_lock:
        if _aggregation_pool is None:
            _aggregation_pool = ThreadPoolExecutor(AGGREGATION_THREADS, thread_name_prefix="facet-counts")
        return _aggregation_pool


# ----------------------------------------------------------------------- count columns
#
# Tantivy's terms aggregation costs about 70 ns per matching document on a multi-valued
# field (guideline, tag), 15 ns on one that some documents lack, and 5 ns on a single-valued
# column every document has. Counting the facets of a search that matches most of a large
# index on the keyword fields themselves was therefore most of its time. So every document
# also carries *count columns*: fast fields, single-valued and present in every document,
# whose keys the counts are added up from in Python (``EmbeddedEngine._count``):
# * A combination column holds all values of one or more fields as one key (a document's
#   guidelines "1, 1.2, 3, 3.1"; its content type, status, budget, ... together, one part
#   per field). A value's count is the sum of the buckets whose key contains it. A column
#   has one bucket per combination in the index, so only fields with short closed
#   vocabularies and few values per document are combined (a few hundred combinations).
# * An open vocabulary with several values per document (tags) is spread over position
#   columns: the document's i-th value in sorted order, or "" if it has fewer. Values past
#   the last position go to one multi-valued rest column (empty for most documents). A
#   value's count is the sum over the columns, as a document holds each value once.
# A facet whose field has no count column is counted on the field itself, as before.
COUNT_COMBINATIONS: tuple[tuple[str, ...], ...] = (
    ("content_type", "status", "budget", "open_source", "has_evaluation", "reused"),
    ("size_class", "state"),
    ("year",),
    ("guideline",),
    ("action_field",),
    ("leitbild",),
    ("recommendation",),
)
SPREAD_POSITIONS: dict[str, int] = {"tag": 5}
# Each position column has a bucket per distinct value, and Python adds up every bucket: with
# a vocabulary larger than this, the field itself is counted (see ``_spread_fields``).
SPREAD_MAX_VALUES = 1000
COLUMN_BUCKETS = 60_000  # returned per column: all of them (Tantivy refuses more than 65,000 in all)
VALUE_SEPARATOR = "\x1f"  # between the values of a field in a combination key
PART_SEPARATOR = "\x1e"  # between the fields of a combination key
ENCODED_KEY = "\x1d"  # starts a key in JSON, for values that contain a separator themselves


@dataclass(frozen=True)
class CountColumn:
    """One count column: ``fields`` combined into one key per document, or the ``position``-th
    value of one field (``rest``: the values from that position on, one term each)."""

    name: str
    fields: tuple[str, ...]
    position: int | None = None
    rest: bool = False

    def parts(self, key: str) -> tuple[tuple[str, ...], ...]:
        """The values per field that a bucket key stands for."""
        if self.position is None:
            return _combination_parts(key)
        return ((key,),) if key else ((),)


def count_keys(values: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    """(count column, key) for a document with these keyword values (each list deduplicated):
    a key per combination and position column (also "" for none), a term per rest value."""
    ordered = {field: sorted(values[field]) for field in COUNTED_FIELDS}
    # One check per document, not per value: a value containing a separator (never in
    # practice) turns this document's combination keys into JSON.
    probe = "".join(["".join(field_values) for field_values in ordered.values()])
    plain = VALUE_SEPARATOR not in probe and PART_SEPARATOR not in probe and ENCODED_KEY not in probe
    for column in COUNT_COLUMNS:
        if column.position is None:
            parts = [ordered[field] for field in column.fields]
            if plain:
                yield column.name, PART_SEPARATOR.join([VALUE_SEPARATOR.join(part) for part in parts])
            else:
                yield column.name, ENCODED_KEY + json.dumps(parts, ensure_ascii=False)
            continue
        field_values = ordered[column.fields[0]]
        if column.rest:
            for value in field_values[column.position :]:
                yield column.name, value
        else:
            yield column.name, field_values[column.position] if column.position < len(field_values) else ""


@lru_cache(maxsize=100_000)
def _combination_parts(key: str) -> tuple[tuple[str, ...], ...]:
    """Decoded once per distinct key and process: the same few hundred keys come back in
    every search."""
    if key.startswith(ENCODED_KEY):
        return tuple(tuple(part) for part in json.loads(key[len(ENCODED_KEY) :]))
    return tuple(tuple(part.split(VALUE_SEPARATOR)) if part else () for part in key.split(PART_SEPARATOR))


def _count_columns() -> tuple[CountColumn, ...]:
    covered = [field for combination in COUNT_COMBINATIONS for field in combination] + list(SPREAD_POSITIONS)
    if len(covered) != len(set(covered)) or not set(covered) <= set(KEYWORD_FIELDS):
        # A field in two layouts would be counted twice.
        raise ValueError("Jedes Schlüsselwortfeld darf höchstens eine Art von Zählspalten haben.")
    columns = [CountColumn("counts_" + "_".join(combination), combination) for combination in COUNT_COMBINATIONS]
    for field, positions in SPREAD_POSITIONS.items():
        columns += [CountColumn(f"counts_{field}_{i + 1}", (field,), position=i) for i in range(positions)]
        columns.append(CountColumn(f"counts_{field}_rest", (field,), position=positions, rest=True))
    return tuple(columns)


COUNT_COLUMNS = _count_columns()
COUNTED_FIELDS = tuple(dict.fromkeys(field for column in COUNT_COLUMNS for field in column.fields))
COLUMNS_OF_FIELD: dict[str, tuple[CountColumn, ...]] = {
    field: tuple(c for c in COUNT_COLUMNS if field in c.fields) for field in KEYWORD_FIELDS
}


def _columns_for(facet_names: Iterable[str], spread: frozenset[str]) -> tuple[CountColumn, ...]:
    """The count columns of these facets, each once. A field without any, or one of
    SPREAD_POSITIONS not in ``spread``, is counted itself (a rest column from its first value)."""
    columns: dict[str, CountColumn] = {}
    for name in facet_names:
        field = FACETS_BY_NAME[name].field
        own = COLUMNS_OF_FIELD.get(field, ())
        if not own or (field in SPREAD_POSITIONS and field not in spread):
            own = (CountColumn(field, (field,), position=0, rest=True),)
        for column in own:
            columns[column.name] = column
    return tuple(columns.values())


# What the Tantivy binding raises for its own failures (ValueError) and what file access raises.
ENGINE_ERRORS = (ValueError, OSError)

SNIPPET_CHARS = 220
SUGGEST_CANDIDATES = 200
FUZZY_BOOST = 0.3  # fuzzy matches score a constant; keep them below real BM25 matches
# A word the index knows from at least this many documents is taken as spelled right and
# gets no fuzzy variants: building and running Levenshtein automata over every text field
# was the largest fixed cost of a query. A rarer word (a typo that made it into a text
# or two) still gets them.
FUZZY_KNOWN_DOCS = 3
# A compound part counts less than the word itself: "Programm" ranks documents with
# "Programm" above those that only have "Förderprogramm" (and below a body match too).
PARTS_BOOST = 0.3
DISMAX_TIE = 0.3

# Analyser names registered on every opened index (Tantivy does not persist them).
DE_TEXT = "de_text"
DE_SUGGEST = "de_suggest"

PARTS_FIELD = "parts"  # the compound parts of all text fields (search.analysis.parts_text), stemmed
PLAIN_FIELD = "plain"  # all words and compound parts, unstemmed: fuzzy matching only
SUGGEST_FIELD = "suggest"  # title + tags, lower-cased and folded, for prefix completion
DATE_SORT = "date_sort"  # YYYYMMDD as an integer fast field (0 = no date)
PUBLISHED_SORT = "published_sort"  # the last publication in seconds since 1970 (0 = never), for "aktualisiert"
SORT_FIELD = "title_sort"  # a collation key (umlauts folded), fast, for "titel"
STORED_ONLY_SCALARS = tuple(f for f in SCALAR_FIELDS if f not in ("id", "title", "summary"))
# Where a result card's highlighted text comes from, first match wins. The summary first:
# editors write it for search results and cards, and when the searched words are in it,
# it is the best text to show. Otherwise a passage of the body; failing both, a passage
# around a compound found by one of its parts ("Bürgerbeteiligung" for "Beteiligung",
# ``search.analysis.compound_snippet``). The summary is also a fifth of the body's length, so
# most snippets tokenise 200 characters instead of 1,000 and more (the largest cost of a
# result page). Elasticsearch's ``best_snippet`` makes the same choice. (generator field, stored text).
SNIPPET_SOURCES = (("summary", "summary"), ("body", "body"))

# --------------------------------------------------------------------------- analysis


def _text_analyzer() -> TextAnalyzer:
    """German full text: stop words before stemming (the list holds inflected forms such as
    "für"), folding last so that the stemmer still sees ß and umlauts."""
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(60))
        .filter(Filter.lowercase())
        .filter(Filter.stopword("german"))
        .filter(Filter.stemmer("german"))
        .filter(Filter.ascii_fold())
        .build()
    )


def _suggest_analyzer() -> TextAnalyzer:
    """Whole words, lower-cased and folded: completion matches what was typed, not stems (also
    the unstemmed PLAIN_FIELD, where a typo in an ending is still one edit away)."""
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(60))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .build()
    )


ANALYZERS: dict[str, Callable[[], TextAnalyzer]] = {
    DE_TEXT: _text_analyzer,
    DE_SUGGEST: _suggest_analyzer,
}

_local = threading.local()


def _analyzer(name: str) -> TextAnalyzer:
    """Query-side analysers, one set per thread: Tantivy analysers keep per-call state."""
    cache = getattr(_local, "analyzers", None)
    if cache is None:
        cache = _local.analyzers = {}
    if name not in cache:
        cache[name] = ANALYZERS[name]()
    return cache[name]


def _analyze(name: str, text: str) -> list[str]:
    return list(_analyzer(name).analyze(text))


_UMLAUT_SPELLINGS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("Ae", "Ä"), ("Oe", "Ö"), ("Ue", "Ü"))


def _spellings(word: str) -> list[str]:
    """The word as typed plus, if it contains ae/oe/ue, the umlaut spelling: folding turns
    "ü" into "u", so "Buerger" would otherwise never meet "Bürger" in the unstemmed fields."""
    variant = word
    for plain, umlaut in _UMLAUT_SPELLINGS:
        variant = re.sub(rf"(?<![qQ]){plain}", umlaut, variant)
    return [word] if variant == word else [word, variant]


def _subword_terms(subword: str) -> tuple[list[str], list[str]]:
    """What a query sub-word is looked up as: its stems (DE_TEXT, for the text fields and the
    parts field) and its unstemmed forms (DE_SUGGEST, for fuzzy matching in PLAIN_FIELD),
    over every spelling, without repeats."""
    spellings = _spellings(subword)
    stems = dict.fromkeys(t for s in spellings for t in _analyze(DE_TEXT, s))
    plain = dict.fromkeys(t for s in spellings for t in _analyze(DE_SUGGEST, s))
    return list(stems), list(plain)


def sort_key(title: str) -> str:
    """Collation key for "titel": German dictionary order (Ä sorts with A), ties by the title."""
    return f"{fold(title)}\x00{title.casefold()}"


def _fuzzy_distance(token: str) -> int:
    """Typo tolerance grows with length: none below 5 characters, where one edit already
    reaches too many other words."""
    if len(token) >= 9:
        return 2
    if len(token) >= 5:
        return 1
    return 0


_SUBWORD = re.compile(r"[^\W_]+")


# --------------------------------------------------------------------------- schema


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:  # body is stored too: snippets and more-like-this read it
        builder.add_text_field(name, stored=True, tokenizer_name=DE_TEXT)
    # Only for word matching, never for phrases: frequencies without positions.
    builder.add_text_field(PARTS_FIELD, stored=False, tokenizer_name=DE_TEXT, index_option="freq")
    builder.add_text_field(PLAIN_FIELD, stored=False, tokenizer_name=DE_SUGGEST, index_option="freq")
    builder.add_text_field(SUGGEST_FIELD, stored=False, tokenizer_name=DE_SUGGEST, index_option="freq")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for name in STORED_ONLY_SCALARS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(SORT_FIELD, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(DATE_SORT, stored=False, indexed=False, fast=True)
    builder.add_integer_field(PUBLISHED_SORT, stored=False, indexed=False, fast=True)
    for name in INTEGER_FIELDS:
        builder.add_integer_field(name, stored=True, indexed=False, fast=True)
    for column in COUNT_COLUMNS:  # only aggregated; Tantivy indexes every text field, minimally here
        builder.add_text_field(column.name, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def _date_number(value: Any) -> int:
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    return int("".join(match.groups())) if match else 0


def _timestamp(value: Any) -> int:
    """Seconds since 1970 of an ISO date and time with its offset; 0 when there is none."""
    if not value:
        return 0
    try:
        return int(datetime.fromisoformat(str(value)).timestamp())
    except ValueError:
        return 0


def to_tantivy(doc: Document) -> tantivy.Document:
    """One index document from the engine-neutral dict (missing keys are empty)."""
    out = tantivy.Document()
    out.add_text("id", str(doc["id"]))
    texts = []
    for name in TEXT_FIELDS:
        value = str(doc.get(name) or "")
        if value:
            out.add_text(name, value)
            texts.append(value)
    parts = parts_text(*texts)
    if parts:
        out.add_text(PARTS_FIELD, parts)
    for value in (*texts, parts):
        if value:
            out.add_text(PLAIN_FIELD, value)
    title = str(doc.get("title") or "")
    if title:
        out.add_text(SUGGEST_FIELD, title)
    keywords: dict[str, list[str]] = {}
    for name in KEYWORD_FIELDS:
        raw = doc.get(name) or []
        values = [raw] if isinstance(raw, str) else list(raw)
        keywords[name] = list(dict.fromkeys(str(v) for v in values if v not in (None, "")))
        for value in keywords[name]:
            out.add_text(name, value)
            if name == "tag":
                out.add_text(SUGGEST_FIELD, value)
    for column_name, key in count_keys(keywords):
        out.add_text(column_name, key)
    for name in STORED_ONLY_SCALARS:
        value = str(doc.get(name) or "")
        if value:
            out.add_text(name, value)
    out.add_text(SORT_FIELD, sort_key(str(doc.get("title_sort") or title)))
    out.add_integer(DATE_SORT, _date_number(doc.get("date")))
    out.add_integer(PUBLISHED_SORT, _timestamp(doc.get("published")))
    for name in INTEGER_FIELDS:
        out.add_integer(name, int(doc.get(name) or 0))
    return out


def source_of(stored: tantivy.Document) -> Document:
    """Stored fields back in the engine-neutral shape: lists for keyword fields, scalars
    otherwise. ``body`` is stored only for snippets and is left out (it can be a whole PDF)."""
    values = stored.to_dict()
    source: Document = {name: list(values.get(name, [])) for name in KEYWORD_FIELDS}
    for name in SCALAR_FIELDS:
        source[name] = str((values.get(name) or [""])[0])
    for name in INTEGER_FIELDS:
        source[name] = int((values.get(name) or [0])[0])
    return source


# --------------------------------------------------------------------------- snippets


def snippet_html(snippet: tantivy.Snippet, text: str) -> str:
    """``<mark>`` around the highlighted ranges, everything else escaped.

    Tantivy's own ``to_html`` uses ``<b>``; we rebuild from the byte ranges so that no
    indexed text is ever trusted as markup. Returns "" if nothing is highlighted.
    """
    ranges = sorted({(r.start, r.end) for r in snippet.highlighted()})
    if not ranges:
        return ""
    fragment = snippet.fragment().encode()
    parts: list[str] = []
    position = 0
    for start, end in ranges:
        if start < position:  # overlapping ranges (one token matched by two terms)
            continue
        parts.append(html.escape(fragment[position:start].decode(errors="ignore")))
        parts.append("<mark>" + html.escape(fragment[start:end].decode(errors="ignore")) + "</mark>")
        position = end
    parts.append(html.escape(fragment[position:].decode(errors="ignore")))
    body = " ".join("".join(parts).split())  # one space for each line break: "nicht. Am", never "nicht.Am"
    span = snippet.fragment_range()
    if span.start > 0:
        body = "… " + body
    if span.end < len(text.encode()):
        body += " …"
    return body


# --------------------------------------------------------------------------- reading state


class Snapshot(NamedTuple):
    searcher: tantivy.Searcher
    commit: tuple[str, int] | None  # (generation, opstamp) the searcher holds; None if unsure


FilterKey = tuple[tuple[str, tuple[str, ...]], ...]
FacetCounts = dict[str, dict[str, int]]


class CountCache:
    """Total and facet counts of searches without text, for one commit of the index.

    The empty search page and browsing by facets ask the same few questions again and again,
    and without text each answer counts over a large part of the index (the empty search
    over all of it). The answer depends only on the filters and the commit: entries are
    kept for the newest commit seen (an entry for a newer one drops all others; every write
    is a new commit) and for the ``size`` filter sets used last. Thread-safe.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._commit: tuple[str, int] | None = None
        self._entries: OrderedDict[FilterKey, tuple[int, FacetCounts]] = OrderedDict()

    def get(self, commit: tuple[str, int] | None, key: FilterKey) -> tuple[int, FacetCounts] | None:
        if commit is None:
            return None
        with self._lock:
            if commit != self._commit or key not in self._entries:
                return None
            self._entries.move_to_end(key)
            total, counts = self._entries[key]
        return total, {name: dict(values) for name, values in counts.items()}  # callers may change theirs

    def put(self, commit: tuple[str, int] | None, key: FilterKey, total: int, counts: FacetCounts) -> None:
        if commit is None:
            return
        with self._lock:
            if commit != self._commit:
                if self._commit is not None and commit[0] == self._commit[0] and commit[1] < self._commit[1]:
                    return  # a search that began before the latest write: keep the newer entries
                self._entries.clear()
                self._commit = commit
            self._entries[key] = (total, {name: dict(values) for name, values in counts.items()})
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


# --------------------------------------------------------------------------- the engine


class EmbeddedEngine(SearchEngine):
    """Tantivy in ``path``: ``path/CURRENT`` names the live generation directory.

    ``create_if_missing``: whether reading or writing may start an empty index when there is
    no usable live generation. Engines made directly (tests, benchmarks) do, so that a new
    engine starts empty on first use; the site's engine does not (see the module docstring).
    ``rebuild`` and ``clear`` always may.
    """

    name = "embedded"
    supports_german_stemming = True
    supports_compound_splitting = True  # dictionary-based, see COMPOUND_PARTS for the limits
    supports_fuzzy = True
    supports_phrases = True
    supports_highlighting = True
    supports_more_like_this = True
    supports_suggest = True
    supports_atomic_rebuild = True

    def __init__(
        self, path: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT, create_if_missing: bool = True
    ) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.lock_timeout = lock_timeout
        self.create_if_missing = create_if_missing
        self.schema = build_schema()
        self._state_lock = threading.RLock()  # guards the fields below
        self._write_lock = threading.Lock()  # one writer per process; Tantivy's lock spans processes
        self._generation: str | None = None
        self._index: tantivy.Index | None = None
        self._pointer_sig: tuple | None = None
        self._meta_sig: tuple | None = None
        self._reloaded_at = 0.0
        self._commit: tuple[str, int] | None = None  # (generation, opstamp) the reader holds
        self._count_cache = CountCache(COUNT_CACHE_SIZE)
        self._spread: tuple[tuple[str, int] | None, frozenset[str]] | None = None  # (commit, fields)
        self.lock_waits = 0  # how often a writer found the index locked by someone else
        self._writer_locks: dict[int, IO[str]] = {}  # id(writer) → its flocked WRITER_LOCK file

    def __repr__(self) -> str:
        return f"EmbeddedEngine(path={str(self.path)!r})"

    # ----------------------------------------------------------------- directory layout

    def _generation_dir(self, name: str) -> Path:
        return self.path / name

    def _live(self) -> tuple[str | None, Problem | None]:
        """The live generation, if the pointer names a usable one of our schema version;
        otherwise why not. Only reads (other OS errors than a missing file propagate)."""
        try:
            name = (self.path / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None, Problem.MISSING
        match = GENERATION_PATTERN.match(name)
        if not match:
            return None, Problem.UNREADABLE
        if int(match.group(1)) != SCHEMA_VERSION:
            return None, Problem.OUTDATED
        if not (self._generation_dir(name) / "meta.json").exists():
            return None, Problem.MISSING
        return name, None

    def _read_pointer(self) -> str | None:
        """The live generation, if the pointer names a usable one of our schema version."""
        return self._live()[0]

    def _write_pointer(self, name: str) -> None:
        """Switch generations atomically: readers see the old name or the new one, never half."""
        tmp = self.path / f".{POINTER}.{os.getpid()}.{uuid.uuid4().hex}"
        tmp.write_text(name, encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.path / POINTER)
        directory = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)

    @contextmanager
    def _engine_file_lock(self, timeout: float) -> Iterator[None]:
        """Serialises creating the first generation across processes (POSIX ``flock``;
        released by the kernel if the holder dies)."""
        with open(self.path / ENGINE_LOCK, "a+") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EngineUnavailable(f"Suchindex {self.path} ist gesperrt.") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _new_generation_name(self) -> str:
        return f"v{SCHEMA_VERSION}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def _create_index(self, name: str) -> tantivy.Index:
        directory = self._generation_dir(name)
        directory.mkdir(parents=True)
        index = tantivy.Index(self.schema, path=str(directory), reuse=False)
        self._register(index)
        return index

    def _open_index(self, name: str) -> tantivy.Index:
        index = tantivy.Index.open(str(self._generation_dir(name)))
        self._register(index)
        return index

    @staticmethod
    def _register(index: tantivy.Index) -> None:
        for name, factory in ANALYZERS.items():
            index.register_tokenizer(name, factory())
        index.config_reader(reload_policy="manual")  # we reload ourselves, see _searcher

    def _current_generation(self, create: bool | None = None) -> str:
        """The live generation's name. If there is none (first start, a lost index, or one of
        an older schema version), an empty one is created only if ``create`` (by default
        ``create_if_missing``); it then needs ``search_rebuild``. Otherwise EngineUnavailable."""
        name, problem = self._live()
        if name:
            return name
        if not (self.create_if_missing if create is None else create):
            assert problem is not None
            raise EngineUnavailable(f"{REASONS[problem]} ({self.path}) Bitte `manage.py search_rebuild` ausführen.")
        self.path.mkdir(parents=True, exist_ok=True)  # the whole directory may have been deleted
        with self._engine_file_lock(self.lock_timeout):
            name = self._read_pointer()
            if name:
                return name
            if (self.path / POINTER).exists():
                logger.warning("Suchindex %s hat kein nutzbares Schema; leerer Index angelegt.", self.path)
            name = self._new_generation_name()
            self._create_index(name)
            self._write_pointer(name)
            return name

    def _remove_stale_generations(self, keep: str) -> None:
        """Old generations and leftovers of crashed rebuilds. Only called while holding the
        live generation's writer lock, so no other rebuild can be filling one of them.
        Processes still reading an old generation keep their open files (POSIX unlink
        semantics) and move to the new one at their next search."""
        for entry in self.path.iterdir():
            if entry.is_dir() and entry.name != keep and GENERATION_PATTERN.match(entry.name):
                shutil.rmtree(entry, ignore_errors=True)
        for entry in self.path.glob(f".{POINTER}.*"):
            if entry.stat().st_mtime < time.time() - 60:
                entry.unlink(missing_ok=True)

    # ----------------------------------------------------------------- reading

    @staticmethod
    def _signature(path: Path) -> tuple | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @staticmethod
    def _opstamp(meta: Path) -> int | None:
        """The commit ``meta.json`` names (Tantivy counts every operation and commit), or None."""
        try:
            return int(json.loads(meta.read_text(encoding="utf-8"))["opstamp"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _searcher(self, force: bool = False) -> Snapshot:
        """A searcher on the newest commit of the live generation, and which commit that is.

        Cheap enough for every query: two ``stat`` calls. Reopens when the pointer file was
        replaced (a rebuild), reloads when ``meta.json`` was replaced (a commit, possibly by
        another process) and, as a safety net against coarse timestamps, every 0.5 s.

        The commit is read before and after reloading: only if both name the same one does
        the reader hold exactly that commit (the count cache relies on it). Otherwise another
        commit came in between: the snapshot names none, and the next search reloads again.
        """
        with self._state_lock:
            pointer_sig = self._signature(self.path / POINTER)
            if force or self._index is None or pointer_sig != self._pointer_sig:
                name = self._current_generation()
                if force or name != self._generation or self._index is None:
                    self._index = self._open_index(name)
                    self._generation = name
                    self._meta_sig = None
                self._pointer_sig = self._signature(self.path / POINTER)
            assert self._generation is not None and self._index is not None
            meta = self._generation_dir(self._generation) / "meta.json"
            meta_sig = self._signature(meta)
            now = time.monotonic()
            if meta_sig != self._meta_sig or now - self._reloaded_at > RELOAD_INTERVAL:
                before = self._opstamp(meta)
                self._index.reload()
                after = self._opstamp(meta)
                exact = before is not None and before == after
                self._commit = (self._generation, after) if exact else None
                self._meta_sig = meta_sig if exact else None
                self._reloaded_at = now
            return Snapshot(self._index.searcher(), self._commit)

    def _read(self, operation: str, fn: Callable[[Snapshot], T]) -> T:
        """Run ``fn`` on a fresh searcher; on failure reopen once (a rebuild in another
        process may just have removed the generation we had open), then give up with
        EngineUnavailable so that the caller can degrade.

        Only Tantivy's own errors (the binding raises ValueError) and the operating system's
        count as "unavailable"; any other exception is a bug in our code and must surface
        instead of turning into the database fallback."""
        try:
            try:
                return fn(self._searcher())
            except EngineUnavailable:
                raise
            except ENGINE_ERRORS:
                logger.debug("Suchindex neu geöffnet nach Fehler bei %s", operation, exc_info=True)
                return fn(self._searcher(force=True))
        except EngineUnavailable:
            raise
        except ENGINE_ERRORS as exc:
            raise EngineUnavailable(f"Eingebettete Suche ({operation}) fehlgeschlagen: {exc}") from exc

    # ----------------------------------------------------------------- writing

    def _acquire_writer(
        self, timeout: float, heap: int = BULK_HEAP, create: bool | None = None
    ) -> tuple[tantivy.IndexWriter, str, tantivy.Index]:
        """The live generation's writer, waiting with backoff while another process holds it.

        After getting the lock the pointer is checked again: if a rebuild switched
        generations while we waited, the lock we hold is on a discarded index. ``create`` as
        in ``_current_generation``.
        """
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            name = self._current_generation(create)
            try:
                lock = self._lock_writer(name)
            except FileNotFoundError as exc:
                if self._read_pointer() != name:
                    continue  # the generation vanished under us: a rebuild switched
                raise EngineUnavailable(f"Suchindex {self.path}: Generation {name} fehlt.") from exc
            if lock is None:
                self.lock_waits += 1
                if time.monotonic() > deadline:
                    raise EngineUnavailable(
                        f"Suchindex {self.path} ist seit {timeout:.0f} s von einem anderen Prozess gesperrt."
                    )
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)
                continue
            with self._state_lock:
                index = self._index if name == self._generation and self._index is not None else None
            try:
                index = index or self._open_index(name)
                writer = index.writer(heap_size=heap, num_threads=1)
            except ValueError as exc:
                self._unlock(lock)
                if self._read_pointer() != name:
                    continue  # the generation vanished under us: a rebuild switched
                raise EngineUnavailable(f"Suchindex {self.path} nicht beschreibbar: {exc}") from exc
            self._writer_locks[id(writer)] = lock
            if self._read_pointer() == name:
                self._sweep_orphans(name)
                return writer, name, index
            self._release_writer(writer)

    def _lock_writer(self, name: str) -> IO[str] | None:
        """Our writer lock of generation ``name``, without waiting: the open, flocked file, or
        None while another writer (this process or another) holds it. FileNotFoundError when
        the generation's directory is gone. The kernel releases the lock if its holder dies."""
        handle = open(self._generation_dir(name) / WRITER_LOCK, "a+")  # held until _unlock
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    @staticmethod
    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()

    def _sweep_orphans(self, name: str) -> None:
        """Delete segment files that no commit references: what a writer killed before its
        commit leaves behind. Tantivy's own garbage collection only knows the files its
        process created, so these would otherwise stay forever (harmless, but disk).

        Only called right after taking the writer lock: the lock holder is the only one who
        writes or merges segments, so an unreferenced segment now is one nobody will commit.
        """
        directory = self._generation_dir(name)
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        live = {str(s.get("segment_id", "")).replace("-", "") for s in meta.get("segments", [])}
        for entry in directory.iterdir():
            stem = entry.name.split(".", 1)[0]
            if SEGMENT_FILE.match(stem) and stem not in live:
                entry.unlink(missing_ok=True)

    def _release_writer(self, writer: tantivy.IndexWriter) -> None:
        """Join merge threads and drop the writer, which releases Tantivy's lock, then ours."""
        try:
            writer.wait_merging_threads()
        except (ValueError, RuntimeError):  # the writer is gone either way; the lock goes with it
            logger.debug("Fehler beim Freigeben des Index-Schreibers", exc_info=True)
        finally:
            lock = self._writer_locks.pop(id(writer), None)
            if lock is not None:
                self._unlock(lock)

    @contextmanager
    def _thread_write_lock(self, timeout: float) -> Iterator[None]:
        """Other threads of this process wait as long as other processes would, not forever
        (a rebuild in one thread must not hang every request thread that saves a page)."""
        if not self._write_lock.acquire(timeout=timeout):
            raise EngineUnavailable(f"Suchindex {self.path} wird in diesem Prozess gerade beschrieben.")
        try:
            yield
        finally:
            self._write_lock.release()

    @contextmanager
    def _writing(self, create: bool | None = None) -> Iterator[tantivy.IndexWriter]:
        started = time.monotonic()
        with self._thread_write_lock(self.lock_timeout):
            remaining = max(self.lock_timeout - (time.monotonic() - started), 0.0)
            writer, _, _ = self._acquire_writer(remaining, create=create)
            try:
                yield writer
            except BaseException:
                try:
                    writer.rollback()
                except Exception:
                    logger.debug("Rollback fehlgeschlagen", exc_info=True)
                raise
            finally:
                self._release_writer(writer)
        self._searcher()  # this process sees its own commit when bulk returns

    def bulk(self, index: Iterable[Document] = (), delete: Iterable[str] = ()) -> None:
        """Upserts then deletes, in one commit (all or nothing). Into the live index only:
        without one (and without ``create_if_missing``) EngineUnavailable, nothing created."""
        ids = [str(i) for i in delete]
        # Converted before locking. A document that cannot be converted (a value of the wrong
        # type) is rejected for good: the others are written, the outbox parks this one.
        documents, rejected = [], {}
        for doc in index:
            try:
                documents.append((str(doc["id"]), to_tantivy(doc)))
            except (ValueError, TypeError, OverflowError) as exc:
                logger.error("Suchindex: Dokument %s abgewiesen: %s", doc["id"], exc)
                rejected[str(doc["id"])] = f"{type(exc).__name__}: {exc}"
        if not documents and not ids:
            if rejected:
                raise DocumentsRejected(rejected)
            return
        try:
            with self._writing() as writer:
                for doc_id, document in documents:
                    # Removes the earlier version; the add has a later opstamp and survives.
                    writer.delete_documents_by_term("id", doc_id)
                    writer.add_document(document)
                for doc_id in ids:
                    writer.delete_documents_by_term("id", doc_id)
                writer.commit()
        except EngineUnavailable:
            raise
        except (ValueError, RuntimeError) as exc:
            raise EngineUnavailable(f"Schreiben in den Suchindex fehlgeschlagen: {exc}") from exc
        if rejected:
            raise DocumentsRejected(rejected)

    def clear(self) -> None:
        try:
            with self._writing(create=True) as writer:
                writer.delete_all_documents()
                writer.commit()
        except (ValueError, RuntimeError) as exc:
            raise EngineUnavailable(f"Leeren des Suchindex fehlgeschlagen: {exc}") from exc

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Fill a new generation, switch the pointer, delete the old generations.

        Order matters for other processes: the old generation's writer lock is held
        throughout (no bulk can land in it and be lost), the new generation's lock until
        the stale directories are gone (no second rebuild can start one we would delete).
        """
        with self._thread_write_lock(REBUILD_LOCK_TIMEOUT):
            # Creates an empty generation first if there is none (first setup, a lost index):
            # the same locking then serialises this rebuild with writers and other rebuilds.
            old_writer, _, _ = self._acquire_writer(REBUILD_LOCK_TIMEOUT, create=True)
            new_name = self._new_generation_name()
            new_writer: tantivy.IndexWriter | None = None
            new_lock: IO[str] | None = None
            try:
                try:
                    new_index = self._create_index(new_name)
                    new_lock = self._lock_writer(new_name)  # nobody knows the new generation yet
                    if new_lock is None:
                        raise EngineUnavailable(f"Suchindex {self.path}: neue Generation {new_name} ist gesperrt.")
                    new_writer = new_index.writer(heap_size=REBUILD_HEAP * REBUILD_THREADS, num_threads=REBUILD_THREADS)
                    self._writer_locks[id(new_writer)] = new_lock
                    seen: set[str] = set()
                    for doc in documents:
                        doc_id = str(doc["id"])
                        if doc_id in seen:
                            new_writer.delete_documents_by_term("id", doc_id)
                        seen.add(doc_id)
                        new_writer.add_document(to_tantivy(doc))
                    new_writer.commit()
                    self._write_pointer(new_name)
                except BaseException:
                    if new_writer is not None:
                        self._release_writer(new_writer)
                    elif new_lock is not None:
                        self._unlock(new_lock)
                    shutil.rmtree(self._generation_dir(new_name), ignore_errors=True)
                    raise
            finally:
                self._release_writer(old_writer)
            try:
                self._remove_stale_generations(keep=new_name)
            finally:
                self._release_writer(new_writer)
        self._searcher(force=True)
        return len(seen)

    # ----------------------------------------------------------------- queries

    def _term(self, field: str, token: str) -> Query:
        return Query.term_query(self.schema, field, token)

    def _word_query(self, word: str, searcher: tantivy.Searcher | None = None) -> Query | None:
        """All sub-words required ("Open-Data-Portal" → open, data, portal); each matches
        exactly (stemmed, BM25 with field boosts), as compound part, or fuzzily."""
        clauses = [q for sub in _SUBWORD.findall(word) if (q := self._subword_query(sub, searcher)) is not None]
        if not clauses:
            return None  # only stop words
        if len(clauses) == 1:
            return clauses[0]
        return Query.boolean_query([(Occur.Must, q) for q in clauses])

    def _subword_query(self, subword: str, searcher: tantivy.Searcher | None = None) -> Query | None:
        """The best of: the stem in the text fields (BM25 with TEXT_FIELDS' boosts), the stem
        as a compound part (PARTS_FIELD, boosted below every text field), and fuzzy variants of
        the stem and of the unstemmed word (PLAIN_FIELD) (boosted low, so a real match always
        ranks above a typo match). With a searcher, words the index knows well
        (FUZZY_KNOWN_DOCS) get no fuzzy variants."""

        def known(fields: Iterable[str], token: str) -> bool:
            return searcher is not None and sum(searcher.doc_freq(f, token) for f in fields) >= FUZZY_KNOWN_DOCS

        stems, plain = _subword_terms(subword)
        alternatives: list[Query] = []
        for stem in stems:
            distance = 0 if known(TEXT_FIELDS, stem) else _fuzzy_distance(stem)
            for field, boost in TEXT_FIELDS.items():
                alternatives.append(Query.boost_query(self._term(field, stem), boost))
                if distance:
                    fuzzy = Query.fuzzy_term_query(self.schema, field, stem, distance, True)
                    alternatives.append(Query.boost_query(fuzzy, boost * FUZZY_BOOST))
            alternatives.append(Query.boost_query(self._term(PARTS_FIELD, stem), PARTS_BOOST))
        for token in plain:
            if not known((PLAIN_FIELD,), token) and (distance := _fuzzy_distance(token)):
                fuzzy = Query.fuzzy_term_query(self.schema, PLAIN_FIELD, token, distance, True)
                alternatives.append(Query.boost_query(fuzzy, FUZZY_BOOST))
        if not alternatives:
            return None  # a stop word
        return Query.disjunction_max_query(alternatives, tie_breaker=DISMAX_TIE)

    def _phrase_query(self, phrase: str, searcher: tantivy.Searcher | None = None) -> Query | None:
        tokens = [(t.position, t.text) for t in _analyzer(DE_TEXT).pre_tokenize(phrase).tokens]
        if not tokens:
            return None
        if len(tokens) == 1:
            return self._word_query(phrase, searcher)
        first = tokens[0][0]
        words = [(position - first, text) for position, text in tokens]
        alternatives = [
            Query.boost_query(Query.phrase_query(self.schema, field, words), boost)
            for field, boost in TEXT_FIELDS.items()
        ]
        return Query.disjunction_max_query(alternatives, tie_breaker=DISMAX_TIE)

    def _text_query(
        self, parsed: ParsedText, searcher: tantivy.Searcher | None = None, relaxed: bool = False
    ) -> Query | None:
        """Every unit of ``search.analysis_query.plan`` (a word with its synonyms, a phrase)
        required; ``relaxed``: at least ``minimum_should_match`` of them, ranked by score. None
        when there is nothing to match on (no text, or only stop words), which means: all documents."""
        query_plan = plan(parsed)
        clauses = [q for unit in query_plan.units if (q := self._unit_query(unit, searcher)) is not None]
        clauses += [q for p in query_plan.phrases if (q := self._phrase_query(p, searcher)) is not None]
        if not clauses:
            return None
        if len(clauses) == 1:
            return clauses[0]
        if relaxed:
            minimum = min(len(clauses), query_plan.minimum_should_match)
            return Query.boolean_query([(Occur.Should, q) for q in clauses], minimum_number_should_match=minimum)
        return Query.boolean_query([(Occur.Must, q) for q in clauses])

    def _words_query(self, words: Iterable[str], searcher: tantivy.Searcher | None) -> Query | None:
        """All of ``words`` (each as ``_word_query``); None if they are all stop words."""
        clauses = [q for w in words if (q := self._word_query(w, searcher)) is not None]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else Query.boolean_query([(Occur.Must, q) for q in clauses])

    def _unit_query(self, unit: Unit, searcher: tantivy.Searcher | None = None) -> Query | None:
        """The unit's words as typed, or any of its synonyms (all their words), each synonym
        boosted below the literal words (``Unit.boost``), the best match counting."""
        literal = self._words_query(unit.words, searcher)
        alternatives = [
            Query.boost_query(q, unit.boost(alternative))
            for alternative in unit.alternatives
            if (q := self._words_query(alternative.split(), searcher)) is not None
        ]
        if not alternatives:
            return literal
        options = ([literal] if literal is not None else []) + alternatives
        return Query.disjunction_max_query(options, tie_breaker=DISMAX_TIE)

    def _facet_filter(self, facet_name: str, values: Iterable[str]) -> Query:
        field = FACETS_BY_NAME[facet_name].field
        return Query.boolean_query([(Occur.Should, self._term(field, v)) for v in dict.fromkeys(values)])

    @staticmethod
    def _combine(text: Query | None, filters: list[Query]) -> Query:
        clauses = ([(Occur.Must, text)] if text is not None else []) + [(Occur.Must, f) for f in filters]
        if not clauses:
            return Query.all_query()
        if len(clauses) == 1 and text is not None:
            return text
        return Query.boolean_query(clauses)

    # ----------------------------------------------------------------- search

    def search(self, request: SearchRequest) -> EngineResult:
        started = time.perf_counter()
        result = self._read("search", lambda snapshot: self._search(snapshot, request))
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _search(self, snapshot: Snapshot, request: SearchRequest, relaxed: bool | None = None) -> EngineResult:
        """Every word required; when that finds fewer than RELAX_BELOW documents, most of the
        words, if that finds more (``EngineResult.relaxed``; search.analysis_query).
        ``relaxed`` False or True runs only that one of the two."""
        if relaxed is None:
            strict = self._search(snapshot, request, relaxed=False)
            if not request.relax or strict.total >= RELAX_BELOW or not plan(request.parsed).relaxable:
                return strict
            wider = self._search(snapshot, request, relaxed=True)
            return wider if wider.total > strict.total else strict
        searcher = snapshot.searcher
        text = self._text_query(request.parsed, searcher, relaxed=relaxed)
        selected = {
            name: tuple(dict.fromkeys(values))
            for name, values in request.filters.items()
            if values and name in FACETS_BY_NAME
        }
        filters = {name: self._facet_filter(name, values) for name, values in selected.items()}
        query = self._combine(text, list(filters.values()))

        cache_key: FilterKey = tuple(sorted((name, tuple(sorted(values))) for name, values in selected.items()))
        cached = self._count_cache.get(snapshot.commit, cache_key) if text is None else None
        jobs = [] if cached else self._facet_jobs(text, filters, query, self._spread_fields(snapshot))
        pending = [_pool().submit(self._count, searcher, q, columns, names) for q, columns, names in jobs]
        try:
            total, addresses = self._ranked(searcher, query, request, has_text=text is not None)
            hits = self._hits(searcher, addresses, text, request.parsed)
        finally:
            counts = self._collect(pending)
        if cached:
            counts = cached[1]
        elif text is None and jobs:
            self._count_cache.put(snapshot.commit, cache_key, total, counts)
        return EngineResult(total=total, hits=hits, facet_counts=counts, relaxed=relaxed)

    def _ranked(
        self, searcher: tantivy.Searcher, query: Query, request: SearchRequest, has_text: bool
    ) -> tuple[int, list[tuple[float, tantivy.DocAddress]]]:
        """(total, the page's (score, address)) in the requested order.

        Every order is Tantivy's own top-k collector, so a request costs the same whether it
        matches ten documents or all of them: "titel" by the collation key, "relevanz" with
        text by BM25, and "neueste" (or "relevanz" without text, where all scores are equal)
        by the date fast field. Equal dates keep the index order (Tantivy breaks ties by
        document address), which is stable between pages; Elasticsearch breaks them by score.
        """
        limit, offset = request.page_size, request.offset
        if request.sort == "relevanz" and has_text:
            result = searcher.search(query, limit=limit, offset=offset)
            return result.count, list(result.hits)
        if request.sort == "titel":
            field, order = SORT_FIELD, tantivy.Order.Asc
        elif request.sort == "aktualisiert":
            field, order = PUBLISHED_SORT, tantivy.Order.Desc
        else:
            field, order = DATE_SORT, tantivy.Order.Desc
        result = searcher.search(query, limit=limit, offset=offset, order_by_field=field, order=order)
        return result.count, [(0.0, address) for _, address in result.hits]

    def _hits(
        self,
        searcher: tantivy.Searcher,
        addresses: list[tuple[float, tantivy.DocAddress]],
        text: Query | None,
        parsed: ParsedText,
    ) -> list[EngineHit]:
        generators: list[tuple[str, str, tantivy.SnippetGenerator]] = []  # (field, stored text, generator)
        if text is not None and addresses and self._highlightable(searcher, parsed):
            for field, source in SNIPPET_SOURCES:
                generator = tantivy.SnippetGenerator.create(searcher, text, self.schema, field)
                generator.set_max_num_chars(SNIPPET_CHARS)
                generators.append((field, source, generator))
        query_words = [*parsed.words, *parsed.phrases]
        hits = []
        for score, address in addresses:
            stored = searcher.doc(address)
            source = source_of(stored)
            snippet = self._snippet(stored, generators, query_words)
            hits.append(EngineHit(id=source["id"], score=float(score), source=source, snippet=snippet))
        return hits

    @staticmethod
    def _highlightable(searcher: tantivy.Searcher, parsed: ParsedText) -> bool:
        """Whether any exact term of the text query occurs in a snippet field.

        Tantivy's snippet generator keeps only query terms the index knows and highlights
        nothing else (fuzzy variants are not terms of the query). When every word is unknown,
        a typo such as "Strasenbeleuchtung" found only through fuzzy matching, no snippet can
        highlight anything, and tokenising each hit's summary and body twice would be wasted.
        """
        for text in (*parsed.words, *parsed.phrases):
            for subword in _SUBWORD.findall(text):
                stems, _ = _subword_terms(subword)
                if any(searcher.doc_freq(field, t) for t in stems for field in ("summary", "body", PARTS_FIELD)):
                    return True
        return False

    @staticmethod
    def _snippet(
        stored: tantivy.Document,
        generators: list[tuple[str, str, tantivy.SnippetGenerator]],
        query_words: Iterable[str] = (),
    ) -> str:
        """The first of SNIPPET_SOURCES that highlights something, as safe HTML; else a
        passage around a compound that has one of ``query_words`` as a part.

        Each generator gets a document with only the text it reads: Tantivy converts the
        whole document it is given, and tokenises that field's text in full.
        """
        if not generators:
            return ""  # no text, or nothing to highlight: the service shows the summary
        texts = {name: str(stored.get_first(name) or "") for name in ("summary", "body")}
        for field, source, generator in generators:
            value = texts[source]
            if not value:
                continue
            rendered = snippet_html(generator.snippet_from_doc(tantivy.Document(**{field: [value]})), value)
            if rendered:
                return rendered
        for name in ("summary", "body"):  # found through PARTS_FIELD: Tantivy saw whole words only
            if rendered := compound_snippet(texts[name], query_words, SNIPPET_CHARS):
                return rendered
        return ""  # no highlight (e.g. only fuzzy matches): the service shows the summary

    def _spread_fields(self, snapshot: Snapshot) -> frozenset[str]:
        """The fields of SPREAD_POSITIONS counted on their position columns: those with at most
        SPREAD_MAX_VALUES distinct values in the index (read from the term dictionary, once
        per commit). The limit also keeps a request below Tantivy's 65,000 buckets."""
        known = self._spread
        if known is not None and snapshot.commit is not None and known[0] == snapshot.commit:
            return known[1]
        fields = frozenset(
            field
            for field in SPREAD_POSITIONS
            if len(snapshot.searcher.terms_with_prefix(field, "", limit=SPREAD_MAX_VALUES + 1)) <= SPREAD_MAX_VALUES
        )
        self._spread = (snapshot.commit, fields)
        return fields

    def _facet_jobs(
        self, text: Query | None, filters: dict[str, Query], query: Query, spread: frozenset[str]
    ) -> list[tuple[Query, tuple[CountColumn, ...], tuple[str, ...]]]:
        """The aggregations for disjunctive counts, as (query, count columns, facets): each
        facet under the text and every *other* facet's filter.

        Facets without a selection all see the full filter set, so they share the query and
        one aggregation over all their count columns: evaluating the query again for a
        second, parallel aggregation would cost as much as the columns it takes over (phrases
        and typos cost as much to match as to rank). Each facet with a selection needs its
        own aggregation, without its own filter. (Tantivy's filter aggregations could count
        them all in one evaluation, but each evaluates its filter over the whole index:
        measured, that cost what it saved.)
        """
        unselected = tuple(f.name for f in FACETS if f.name not in filters)
        jobs = [(query, _columns_for(unselected, spread), unselected)] if unselected else []
        for name in filters:
            others = [f for other, f in filters.items() if other != name]
            jobs.append((self._combine(text, others), _columns_for((name,), spread), (name,)))
        return jobs

    @staticmethod
    def _count(
        searcher: tantivy.Searcher, query: Query, columns: tuple[CountColumn, ...], facet_names: tuple[str, ...]
    ) -> FacetCounts:
        """One aggregation over ``columns``; each bucket's key adds its count to every value it
        stands for, of the fields of ``facet_names``."""
        aggs = {column.name: {"terms": {"field": column.name, "size": COLUMN_BUCKETS}} for column in columns}
        result = searcher.aggregate(query, aggs)
        counts: FacetCounts = {name: {} for name in facet_names}
        for column in columns:
            targets = [
                (position, counts[name])
                for position, field in enumerate(column.fields)
                for name in facet_names
                if FACETS_BY_NAME[name].field == field
            ]
            for bucket in result.get(column.name, {}).get("buckets", []):
                parts = column.parts(str(bucket["key"]))
                number = int(bucket["doc_count"])
                for position, target in targets:
                    for value in parts[position]:
                        target[value] = target.get(value, 0) + number
        return counts

    def _collect(self, pending: list[Future]) -> FacetCounts:
        """Wait for every aggregation (also when ranking failed: no orphaned work), then
        raise the first error, if any. Counts of a facet from several jobs add up; each
        facet keeps its FACET_BUCKETS most frequent values."""
        counts: FacetCounts = {f.name: {} for f in FACETS}
        error: BaseException | None = None
        for future in pending:
            try:
                for name, values in future.result().items():
                    target = counts[name]
                    for value, number in values.items():
                        target[value] = target.get(value, 0) + number
            except BaseException as exc:  # re-raised below, after the others finished
                error = error or exc
        if error is not None:
            raise error
        for name, values in counts.items():
            if len(values) > FACET_BUCKETS:
                top = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:FACET_BUCKETS]
                counts[name] = dict(top)
        return counts

    # ----------------------------------------------------------------- suggest

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles and tags with a word starting with ``prefix`` (case-insensitive).

        Candidates come from a prefix query on the folded ``suggest`` field; the final
        match is checked in Python on the stored strings. If the user typed an umlaut,
        only strings with that umlaut qualify; ASCII input also finds the umlaut spelling
        ("Burger" and "Buerger" find "Bürgerbus").
        """
        prefix = " ".join((prefix or "").split())
        if len(prefix) < 2 or limit <= 0:
            return []
        return self._read("suggest", lambda snapshot: self._suggest(snapshot.searcher, prefix, limit))

    def _suggest(self, searcher: tantivy.Searcher, prefix: str, limit: int) -> list[str]:
        spellings = _spellings(prefix)
        queries = []
        for spelling in spellings:
            tokens = _analyze(DE_SUGGEST, spelling)
            if not tokens:
                continue
            *head, last = tokens
            clauses = [(Occur.Must, self._term(SUGGEST_FIELD, t)) for t in head]
            clauses.append((Occur.Must, Query.fuzzy_term_query(self.schema, SUGGEST_FIELD, last, 0, True, True)))
            queries.append(Query.boolean_query(clauses))
        if not queries:
            return []
        query = queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])
        result = searcher.search(query, limit=SUGGEST_CANDIDATES)

        typed_umlaut = not prefix.isascii()
        exact = [_words(s) for s in spellings]
        folded = [_words(fold(s)) for s in spellings]
        found: dict[str, dict[str, Any]] = {}  # by casefolded text: de-duplicated
        for rank, (_, address) in enumerate(result.hits):
            stored = searcher.doc(address)
            for candidate in [str(stored.get_first("title") or ""), *map(str, stored.get_all("tag"))]:
                exact_match = self._word_start(_words(candidate), exact)
                match = exact_match or ("" if typed_umlaut else self._word_start(_words(fold(candidate)), folded))
                if not match:
                    continue
                entry = found.setdefault(
                    candidate.casefold(),
                    {
                        "text": candidate,
                        "start": match == "start",
                        "exact": bool(exact_match),
                        "count": 0,
                        "rank": rank,
                    },
                )
                entry["count"] += 1
        # Strings that begin with the prefix, then exact (not only folded) matches, then
        # tags shared by many matching documents, then the best-scoring documents' titles.
        ranked = sorted(
            found.values(),
            key=lambda e: (not e["start"], not e["exact"], -e["count"], e["rank"], len(e["text"]), e["text"]),
        )
        suggestions = [entry["text"] for entry in ranked[:limit]]
        if len(suggestions) < min(limit, FUZZY_SUGGEST_BELOW):
            seen = {text.casefold() for text in suggestions}
            suggestions += self._fuzzy_suggest(searcher, prefix, limit - len(suggestions), seen)
        return suggestions

    def _fuzzy_suggest(self, searcher: tantivy.Searcher, prefix: str, limit: int, seen: set[str]) -> list[str]:
        """Titles and tags that fit what was typed with a typo or two ("Strasenbel" →
        "Straßenbeleuchtung"): typed words within ``suggest_distance`` of whole words, the last
        of a word's beginning (Tantivy's fuzzy prefix query); ``fuzzy_match`` decides per string.
        Asked only when the exact completions do not fill the list."""
        tokens = _analyze(DE_SUGGEST, prefix)
        if not tokens or not any(suggest_distance(t) for t in tokens):
            return []
        *head, last = tokens
        clauses = [
            (Occur.Must, Query.fuzzy_term_query(self.schema, SUGGEST_FIELD, t, suggest_distance(t), True, False))
            for t in head
        ]
        fuzzy_last = Query.fuzzy_term_query(self.schema, SUGGEST_FIELD, last, suggest_distance(last), True, True)
        clauses.append((Occur.Must, fuzzy_last))
        result = searcher.search(Query.boolean_query(clauses), limit=SUGGEST_CANDIDATES)
        found: dict[str, tuple[bool, int, int, int, str]] = {}
        for rank, (_, address) in enumerate(result.hits):
            stored = searcher.doc(address)
            for candidate in [str(stored.get_first("title") or ""), *map(str, stored.get_all("tag"))]:
                key = candidate.casefold()
                if key in seen or (match := fuzzy_match(candidate, prefix)) is None:
                    continue
                at_start, edits = match
                count = found[key][2] - 1 if key in found else -1
                found[key] = (not at_start, edits, count, found[key][3] if key in found else rank, candidate)
        # At the start first, then the fewest typos, tags of many documents, the best hits.
        return [entry[-1] for entry in sorted(found.values(), key=lambda e: (*e[:4], len(e[4]), e[4]))[:limit]]

    @staticmethod
    def _word_start(words: str, prefixes: list[str]) -> str:
        """Where a prefix matches: "start" of ``words``, a later "word", or "" (nowhere)."""
        for prefix in prefixes:
            if words.startswith(prefix):
                return "start"
            if f" {prefix}" in words:
                return "word"
        return ""

    # ----------------------------------------------------------------- more like this

    def more_like_this(self, doc_id: str, limit: int = 4) -> list[EngineHit]:
        """Documents sharing tags, action fields, sub-guidelines and title words, plus
        Tantivy's term-statistics more-like-this on the text; never the document itself."""
        return self._read(
            "more_like_this", lambda snapshot: self._more_like_this(snapshot.searcher, str(doc_id), limit)
        )

    def _more_like_this(self, searcher: tantivy.Searcher, doc_id: str, limit: int) -> list[EngineHit]:
        found = searcher.search(self._term("id", doc_id), limit=1)
        if not found.hits or limit <= 0:
            return []
        address = found.hits[0][1]
        stored = searcher.doc(address)
        should: list[Query] = []
        for value in stored.get_all("tag"):
            should.append(Query.boost_query(self._term("tag", str(value)), 3.0))
        for value in stored.get_all("action_field"):
            should.append(Query.boost_query(self._term("action_field", str(value)), 2.0))
        for value in map(str, stored.get_all("guideline")):
            # Main guidelines are shared by half the corpus; sub-guidelines say more.
            should.append(Query.boost_query(self._term("guideline", value), 1.0 if "." in value else 0.3))
        for token in dict.fromkeys(_analyze(DE_TEXT, str(stored.get_first("title") or ""))):
            for field, boost in TEXT_FIELDS.items():
                should.append(Query.boost_query(self._term(field, token), boost * 0.5))
        should.append(
            Query.boost_query(
                Query.more_like_this_query(
                    address, min_doc_frequency=2, min_term_frequency=2, max_query_terms=25, min_word_length=4
                ),
                0.5,
            )
        )
        query = Query.boolean_query([(Occur.Should, q) for q in should] + [(Occur.MustNot, self._term("id", doc_id))])
        result = searcher.search(query, limit=limit)
        hits = []
        for score, hit_address in result.hits:
            source = source_of(searcher.doc(hit_address))
            if source["id"] != doc_id:
                hits.append(EngineHit(id=source["id"], score=float(score), source=source))
        return hits

    # ----------------------------------------------------------------- stats

    def stats(self) -> dict[str, Any]:
        def collect(snapshot: Snapshot) -> dict[str, Any]:
            return {
                "documents": snapshot.searcher.num_docs,
                "path": str(self.path),
                "segments": snapshot.searcher.num_segments,
                "generation": self._generation,
                "lock_waits": self.lock_waits,
            }

        return self._read("stats", collect)

    def health(self) -> EngineHealth:
        """Whether the live generation exists, is of our schema and can be read, and its size.

        Cheap (a pointer read, a few ``stat`` calls and the searcher's document count) and
        read-only: unlike a search, it never creates an index, whatever ``create_if_missing``.
        """
        try:
            _, problem = self._live()
        except OSError:
            return EngineHealth(Problem.UNREADABLE)
        if problem is not None:
            if problem is Problem.MISSING and self.create_if_missing and not (self.path / POINTER).exists():
                return EngineHealth(documents=0)  # a new engine, which starts empty on first use
            return EngineHealth(problem)
        try:
            documents = self._read("health", lambda snapshot: snapshot.searcher.num_docs)
        except EngineUnavailable:
            try:
                problem = self._live()[1]
            except OSError:
                problem = None
            return EngineHealth(problem or Problem.UNREADABLE)  # vanished meanwhile, or broken
        return EngineHealth(documents=documents)
