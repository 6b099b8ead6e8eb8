"""The production search engine: Elasticsearch 9, through ``elasticsearch.dsl``.

The pinned client is ``elasticsearch`` 9.x, which speaks to Elasticsearch 9.x servers (its
documented compatibility: same major version, and the next minor releases). It is used as
shipped: no header rewriting to reach an 8.x server (for 8.x the official advice is the 8.x
client, which this project does not pin).

Why it looks the way it does:

* Reads and writes go through the alias ``<prefix>-content``; the concrete indices are
  ``<prefix>-content-<UTC timestamp>``. A rebuild fills a fresh index and then moves the alias
  in one atomic ``_aliases`` call, so searches never see a half-built index.
* An index template for ``<prefix>-content-*`` carries the settings and mappings, so every
  concrete index (also one created by hand) gets the German analysis.
* Facets use ``FacetedSearch``: selections go into ``post_filter`` and every facet's
  aggregation is filtered by the *other* facets' selections, which is exactly the contract in
  ``search.facets``.
* Failures by kind (``_guard``): unreachable, timed out, overloaded (429) and server errors
  (5xx) are an outage: ``EngineUnavailable``, the service falls back to the database and the
  outbox retries later. Refused credentials (401/403), a server that is not Elasticsearch
  (``UnsupportedProductError``) and rejected requests (400, our bug) are
  ``EngineMisconfigured``: logged as errors with the server's answer; still a degradation
  for the search page, but ``search_rebuild`` fails naming the cause.
* Writes never lose a document silently: only a delete whose item says ``not_found`` is
  ignored; a transient item failure is retried and then fails the write (the outbox keeps
  the tasks); a permanently rejected document is logged and reported as
  ``DocumentsRejected`` (the outbox parks its task). Writes use ``require_alias``, so a
  vanished alias is an error, never an auto-created index under the alias's name.
* The alias heals: if a concrete index holds the alias's name anyway, ``rebuild`` replaces
  it in the same atomic ``_aliases`` call (``remove_index`` plus ``add``).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from time import sleep
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError, UnsupportedProductError
from elasticsearch.dsl import (
    Date,
    Document,
    FacetedSearch,
    Index,
    Integer,
    Keyword,
    MetaField,
    Search,
    TermsFacet,
    Text,
    analyzer,
    normalizer,
    token_filter,
)
from elasticsearch.dsl.index import ComposableIndexTemplate
from elasticsearch.dsl.query import Bool, DisMax, Ids, MatchAll, MatchBoolPrefix, MoreLikeThis, MultiMatch, Query

from search.analysis import WORD_RE, compound_snippet, fold_german, parts_text, words
from search.analysis_query import (
    FUZZY_SUGGEST_BELOW,
    RELAX_BELOW,
    Unit,
    fuzzy_match,
    plan,
    suggest_distance,
)
from search.documents import KEYWORD_FIELDS, MAX_BODY_CHARS, TEXT_FIELDS
from search.facets import FACETS
from search.query import MAX_PAGE, MAX_PAGE_SIZE, ParsedText, SearchRequest, parse_text

from .base import (
    DocumentsRejected,
    EngineHealth,
    EngineHit,
    EngineMisconfigured,
    EngineResult,
    EngineUnavailable,
    Problem,
    SearchEngine,
)

IndexDocument = dict[str, Any]
logger = logging.getLogger(__name__)

# Interactive requests must fail fast so that the page can degrade to the database search;
# a rebuild moves the whole corpus and may take longer.
REQUEST_TIMEOUT_SECONDS = 5.0
REBUILD_TIMEOUT_SECONDS = 120.0
MAX_RETRIES = 1
BULK_CHUNK_SIZE = 500
# Transient write failures (429, 5xx, timeouts, refused connections) are retried with
# exponential backoff, bounded: a publish waits at most ~0.5 s before the outbox takes over;
# a rebuild chunk up to five times (~1 minute in all) before the rebuild gives up.
WRITE_RETRIES = 1
REBUILD_RETRIES = 5
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
# Indices of a rebuild that never went live (killed midway) are deleted by the next rebuild
# once they are this old; a younger one may belong to a rebuild running right now.
ABANDONED_AFTER = timedelta(hours=6)
# Highlighting analyses at most this many characters of a field. Elasticsearch refuses (400)
# to highlight beyond ``index.highlight.max_analyzed_offset`` (1,000,000) unless the request
# bounds it; documents are capped at MAX_BODY_CHARS anyway (search.documents).
HIGHLIGHT_MAX_ANALYZED_OFFSET = MAX_BODY_CHARS
# Typo tolerance by word length: none below 5 characters (one edit turns "App" into "Apps",
# "Amt" into "Akt"), one edit from 5, two from 9 -- the same as the embedded engine.
FUZZINESS = "AUTO:5,9"
SNIPPET_FRAGMENT_CHARS = 160
SUMMARY_SNIPPET_CHARS = 240
FACET_BUCKETS = 1000
SUGGEST_MIN_CHARS = 2
SUGGEST_MAX_CHARS = 100
SUGGEST_CANDIDATES = 50
# The typo-tolerant second suggest request: the typed words but the last fuzzy, the last cut to
# its first letters as a prefix (like ``prefix_length``: no typo there); Python then checks
# each candidate's distance (``search.analysis_query.fuzzy_match``).
FUZZY_SUGGEST_PREFIX_CHARS = 3
FUZZY_SUGGEST_CANDIDATES = 200
SYNONYM_TIE = 0.3

german_stop = token_filter("german_stop", "stop", stopwords="_german_")
german_stemmer = token_filter("german_stemmer", "stemmer", language="light_german")
# Elasticsearch's own "german" analyzer, rebuilt with the light stemmer; also the analyzer of
# the ``parts`` field, so a compound's parts are stemmed like every other word.
german_text = analyzer(
    "german_text",
    tokenizer="standard",
    filter=["lowercase", german_stop, "german_normalization", german_stemmer],
)

# Completion matches what was typed, not stems: whole words, lower-cased, umlauts folded
# ("Burger" and "Buerger" complete "Bürgerbus").
german_suggest = analyzer("german_suggest", tokenizer="standard", filter=["lowercase", "german_normalization"])
# "Titel A–Z" in German dictionary order: Ä sorts with A, ß as ss.
title_sort_normalizer = normalizer("title_sort", filter=["lowercase", "asciifolding"])

# The parts of the compounds in every text field (``search.analysis.parts_text``, computed in
# Python and sent with the document, as the embedded engine indexes them), weighted below every
# text field: "Programm" ranks documents with "Programm" above those with "Förderprogramm" only.
PARTS_FIELD = "parts"
PARTS_BOOST = 0.3
# Sent for indexing, never needed back: the body can be a whole PDF.
UNRETURNED_FIELDS = ["body", "extra", PARTS_FIELD]
SUGGEST_SUBFIELD = "suggest"


def _boosted(name: str, boost: float) -> str:
    return name if boost == 1 else f"{name}^{boost:g}"


WORD_FIELDS: list[str] = [
    *(_boosted(name, boost) for name, boost in TEXT_FIELDS.items()),
    _boosted(PARTS_FIELD, PARTS_BOOST),
]
PHRASE_FIELDS: list[str] = [_boosted(name, boost) for name, boost in TEXT_FIELDS.items()]
# Summary first: a snippet from the summary wins whenever the summary has a match (editors
# write it for result cards); the embedded engine's SNIPPET_SOURCES make the same choice.
SNIPPET_SOURCES: tuple[str, ...] = ("summary", "body")
HIGHLIGHT_FIELDS: tuple[str, ...] = SNIPPET_SOURCES
SIMILAR_FIELDS: list[str] = ["title", "summary", "body", "tag", "action_field"]

_DATE_DESC = {"date": {"order": "desc", "missing": "_last"}}
_PUBLISHED_DESC = {"published": {"order": "desc", "missing": "_last"}}
# Every order ends on the unique id, so paging never repeats or skips a document.
SORTS: dict[str, list[Any]] = {
    "relevanz": ["_score", _DATE_DESC, "id"],
    "neueste": [_DATE_DESC, "_score", "id"],
    "titel": ["title_sort", "id"],
    "aktualisiert": [_PUBLISHED_DESC, "id"],
}


def _text_field(suggest: bool = False) -> Text:
    if suggest:
        return Text(analyzer=german_text, fields={SUGGEST_SUBFIELD: Text(analyzer=german_suggest)})
    return Text(analyzer=german_text)


class _ContentFields(Document):
    """Text, sort, date and number fields; the keyword fields are added from ``KEYWORD_FIELDS``."""

    id = Keyword()
    external_id = Keyword()
    title = _text_field(suggest=True)
    summary = _text_field()
    body = _text_field()
    extra = _text_field()
    parts = Text(analyzer=german_text)
    title_sort = Keyword(normalizer=title_sort_normalizer)
    url = Keyword(index=False, doc_values=False)
    municipality_name = Keyword()
    state_name = Keyword()
    urbanisation = Keyword()
    # Documents without a date carry "" which the engine sends as null; anything else
    # malformed is kept in _source instead of rejecting the whole document.
    date = Date(ignore_malformed=True)
    published = Date(ignore_malformed=True)
    population = Integer()
    reuse_count = Integer()

    class Meta:
        # Unknown fields stay in _source (result cards keep working) but are not indexed,
        # so a new document field can never break the mapping.
        dynamic = MetaField(False)


# One keyword field per facet and for the municipality key, taken from the document shape so
# that a facet added in search.facets is mapped without touching this module.
ContentDocument: type[Document] = type(
    "ContentDocument",
    (_ContentFields,),
    {
        "__doc__": "The mapping of one index document.",
        **{name: Keyword() for name in KEYWORD_FIELDS},
        "tag": Keyword(fields={SUGGEST_SUBFIELD: Text(analyzer=german_suggest)}),
    },
)


def content_index(name: str) -> Index:
    """Settings and mappings of a content index (also the body of the index template)."""
    index = Index(name)
    index.document(ContentDocument)
    index.settings(
        number_of_shards=1,
        auto_expand_replicas="0-1",
        # The API allows page 500 of 100 hits; the default window of 10,000 would reject it.
        max_result_window=MAX_PAGE * MAX_PAGE_SIZE,
    )
    return index


def _word_match(word: str) -> MultiMatch:
    return MultiMatch(query=word, fields=WORD_FIELDS, fuzziness=FUZZINESS, operator="and", zero_terms_query="all")


def unit_query(unit: Unit) -> Query:
    """The unit's words as typed, or any of its synonyms (all of its words), each synonym
    boosted below the literal words (``Unit.boost``); the best match counts (``dis_max``)."""
    literal: Query = (
        _word_match(unit.words[0]) if len(unit.words) == 1 else Bool(must=list(map(_word_match, unit.words)))
    )
    if not unit.alternatives:
        return literal
    alternatives = [
        MultiMatch(
            query=alternative,
            fields=WORD_FIELDS,
            fuzziness=FUZZINESS,
            operator="and",
            zero_terms_query="none",
            boost=unit.boost(alternative),
        )
        for alternative in unit.alternatives
    ]
    return DisMax(queries=[literal, *alternatives], tie_breaker=SYNONYM_TIE)


def text_query(parsed: ParsedText, relaxed: bool = False) -> Query:
    """Every unit of ``search.analysis_query.plan`` (a word with its synonyms, a phrase) is
    required; a word may be misspelt or part of a compound. ``relaxed``: at least
    ``minimum_should_match`` of them, ranked by score.

    ``zero_terms_query="all"``: a word that analyses to nothing (a stop word such as "der")
    must not make the whole query match nothing.
    """
    query_plan = plan(parsed)
    if query_plan.empty:
        return MatchAll()
    clauses: list[Query] = [unit_query(unit) for unit in query_plan.units]
    clauses += [
        MultiMatch(query=phrase, fields=PHRASE_FIELDS, type="phrase", zero_terms_query="all")
        for phrase in query_plan.phrases
    ]
    if relaxed and len(clauses) > 1:
        return Bool(should=clauses, minimum_should_match=min(len(clauses), query_plan.minimum_should_match))
    return Bool(must=clauses)


def paging_preference(request: SearchRequest) -> str:
    """The same query always goes to the same shard copies.

    A primary and its replica can score a document slightly differently (their segments
    hold different deleted documents), so page 2 served by the other copy could repeat or
    skip hits of page 1. Routing by the query keeps one order per result list while
    different queries still spread over the replicas.
    """
    key = json.dumps([request.text, sorted((k, list(v)) for k, v in request.filters.items()), request.sort])
    return "q" + hashlib.sha256(key.encode()).hexdigest()[:16]


class ContentSearch(FacetedSearch):
    """One search request: query, facet filters and counts, highlighting, sort and window."""

    fields = PHRASE_FIELDS
    facets = {facet.name: TermsFacet(field=facet.field, size=FACET_BUCKETS, min_doc_count=1) for facet in FACETS}

    def __init__(self, request: SearchRequest, *, using: Elasticsearch, index: str, relaxed: bool = False):
        # FacetedSearch builds the request in __init__, so the target must be set first.
        self.using = using
        self.index = index
        self.relaxed = relaxed  # most of the words instead of all (text_query)
        filters = {name: list(values) for name, values in request.filters.items() if name in self.facets and values}
        super().__init__(request.text, filters=filters, sort=SORTS.get(request.sort, SORTS["relevanz"]))
        self.params(preference=paging_preference(request))

    def search(self) -> Search:
        # The body can be long and is never shown; the total must be exact for the pager.
        return super().search().source(excludes=UNRETURNED_FIELDS).extra(track_total_hits=True)

    def query(self, search: Search, query: str) -> Search:
        return search.query(text_query(parse_text(query), relaxed=self.relaxed))

    def highlight(self, search: Search) -> Search:
        # encoder="html" escapes the text around the <mark> tags, so snippets are safe HTML.
        return search.highlight(
            *HIGHLIGHT_FIELDS, fragment_size=SNIPPET_FRAGMENT_CHARS, number_of_fragments=1
        ).highlight_options(
            pre_tags=["<mark>"],
            post_tags=["</mark>"],
            encoder="html",
            # A very long text must not turn every search that finds it into a 400.
            max_analyzed_offset=HIGHLIGHT_MAX_ANALYZED_OFFSET,
        )


def to_source(document: IndexDocument) -> IndexDocument:
    """The stored form: an empty date becomes null, which the date field skips; the compound
    parts of the text fields are added (``search.analysis.parts_text``)."""
    source = dict(document)
    source[PARTS_FIELD] = parts_text(*(str(document.get(name) or "") for name in TEXT_FIELDS))
    if not source.get("date"):
        source["date"] = None
    return source


def from_source(source: IndexDocument) -> IndexDocument:
    """The engine-neutral form again (date "" when missing), as every engine returns it."""
    document = {name: value for name, value in source.items() if name not in UNRETURNED_FIELDS}
    if document.get("date") is None and "date" in document:
        document["date"] = ""
    return document


_WORD = WORD_RE


def plain_words(text: str) -> str:
    """Lower-case words separated by single spaces: "Bürger-App" → "bürger app"."""
    return words(text)


def fold_words(text: str) -> str:
    """Words as ``german_normalization`` sees them: lower case, ß → ss, ä/ae → a, separated by spaces."""
    return words(fold_german(text))


def best_snippet(highlight: dict[str, list[str]], summary: str, query_words: Iterable[str] = ()) -> str:
    """The summary's fragment if the summary has a match, else the body's. Without any
    highlight (a document found through a compound part: the highlighter sees whole words),
    the summary with the compounds that contain a query word marked, else its escaped start."""
    for field in SNIPPET_SOURCES:
        if highlight.get(field):
            return " ".join(highlight[field][0].split())  # paragraphs end in a line break: one space
    marked = compound_snippet(summary, query_words, SUMMARY_SNIPPET_CHARS)
    return marked or html.escape(summary[:SUMMARY_SNIPPET_CHARS])


def _hit(raw: dict[str, Any], query_words: Iterable[str] = ()) -> EngineHit:
    source = from_source(raw.get("_source") or {})
    return EngineHit(
        id=str(raw["_id"]),
        score=float(raw.get("_score") or 0.0),
        source=source,
        snippet=best_snippet(raw.get("highlight") or {}, source.get("summary") or "", query_words),
    )


class ElasticsearchEngine(SearchEngine):
    name = "elasticsearch"
    supports_german_stemming = True
    supports_compound_splitting = True
    supports_fuzzy = True
    supports_phrases = True
    supports_highlighting = True
    supports_more_like_this = True
    supports_suggest = True
    supports_atomic_rebuild = True

    def __init__(self, url: str, index_prefix: str = "smartcity", **client_options: Any):
        """``url`` may list several nodes separated by commas and carry credentials.

        ``client_options`` go to ``Elasticsearch(...)`` (e.g. ``api_key``, ``ca_certs``; tests
        pass a fake ``node_class``). Without a URL the engine exists but is unavailable, so a
        misconfiguration degrades the search page instead of breaking every request.
        """
        self.index_prefix = index_prefix
        self.alias = f"{index_prefix}-content"
        self.template_name = f"{index_prefix}-content"
        self.index_pattern = f"{index_prefix}-content-*"
        self._alias_ready = False
        self.replaced_index: str | None = None  # set by a rebuild that healed the alias
        self.client: Elasticsearch | None = None
        hosts = [part.strip() for part in (url or "").split(",") if part.strip()]
        if hosts:
            options: dict[str, Any] = {
                "request_timeout": REQUEST_TIMEOUT_SECONDS,
                "max_retries": MAX_RETRIES,
                "retry_on_timeout": False,
            }
            options.update(client_options)
            self.client = Elasticsearch(hosts, **options)

    # -- infrastructure -------------------------------------------------------------------

    @contextmanager
    def _guard(self, operation: str) -> Iterator[Elasticsearch]:
        """Translate client failures by kind (see the module docstring).

        Any failure also forgets that the alias was seen: whatever went wrong may have been
        the alias vanishing, and the next call must look again.
        """
        if self.client is None:
            raise EngineUnavailable("ELASTICSEARCH_URL ist nicht gesetzt")
        try:
            yield self.client
        except EngineUnavailable:
            self._alias_ready = False
            raise
        except (TransportError, ApiError) as exc:
            self._alias_ready = False
            raise self._translate(operation, exc) from exc

    @staticmethod
    def _translate(operation: str, exc: TransportError | ApiError) -> EngineUnavailable:
        if isinstance(exc, UnsupportedProductError):
            logger.error("Elasticsearch %s: the server is not Elasticsearch (%s): %s", operation, exc, exc.meta.headers)
            return EngineMisconfigured(f"Elasticsearch {operation}: kein Elasticsearch-Server: {exc}")
        if isinstance(exc, ApiError):
            status = exc.status_code
            if status == 429 or status >= 500 or status == 404 or exc.error == "invalid_alias_name_exception":
                # Overload, outage, or a missing/shadowed index (health tells which; a
                # rebuild heals the latter two): degraded, not a bug.
                logger.warning("Elasticsearch %s failed: %s", operation, exc)
                return EngineUnavailable(f"Elasticsearch {operation}: {exc}")
            # 400 (our request), 401/403 (credentials), anything else the server refuses.
            logger.error("Elasticsearch rejected %s: %s %s", operation, status, json.dumps(exc.body, default=str))
            return EngineMisconfigured(f"Elasticsearch {operation}: {exc}")
        return EngineUnavailable(f"Elasticsearch {operation}: {exc}")

    def template(self) -> ComposableIndexTemplate:
        return content_index(self.alias).as_composable_template(
            self.template_name, pattern=self.index_pattern, priority=500
        )

    def new_index_name(self) -> str:
        """Concrete index names sort by creation; microseconds keep two rebuilds apart."""
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _shadowed(self, client: Elasticsearch) -> bool:
        """Whether a concrete index holds the alias's name (call only when the alias is missing:
        ``exists`` is also true for an alias)."""
        return bool(client.indices.exists(index=self.alias))

    def _ensure_alias(self, client: Elasticsearch) -> None:
        """On first use, create the template and an empty index behind the alias.

        Without it a first write to the alias name would auto-create a concrete index of
        that name, with dynamic mappings, which could never become an alias again. The initial
        index has a fixed name so that two processes starting at once cannot create two.
        If such a concrete index exists already, nothing is created: only ``search_rebuild``
        can replace it (atomically), and the engine is unavailable until then.
        """
        if self._alias_ready:
            return
        if not client.indices.exists_alias(name=self.alias):
            if self._shadowed(client):
                logger.error(
                    "Elasticsearch: a concrete index holds the alias name %s; run search_rebuild to replace it",
                    self.alias,
                )
                raise EngineUnavailable(
                    f"Elasticsearch: der Index {self.alias} belegt den Alias-Namen; search_rebuild ersetzt ihn"
                )
            self.template().save(using=client)
            initial_name = f"{self.alias}-initial"
            initial = content_index(initial_name)
            initial.aliases(**{self.alias: {}})
            try:
                initial.create(using=client)
            except BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
                client.indices.put_alias(index=initial_name, name=self.alias)
        self._alias_ready = True

    def _alias_targets(self, client: Elasticsearch) -> list[str]:
        try:
            return sorted(client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # -- writing --------------------------------------------------------------------------

    @staticmethod
    def _actions(index: Iterable[IndexDocument], delete: Iterable[str]) -> Iterator[dict[str, Any]]:
        for document in index:
            yield {"_op_type": "index", "_id": str(document["id"]), "_source": to_source(document)}
        for doc_id in delete:
            yield {"_op_type": "delete", "_id": str(doc_id)}

    @staticmethod
    def _operations(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The NDJSON lines of a bulk request: an action line, and the document for an index."""
        lines: list[dict[str, Any]] = []
        for action in actions:
            lines.append({action["_op_type"]: {"_id": action["_id"]}})
            if action["_op_type"] == "index":
                lines.append(action["_source"])
        return lines

    def _write_chunk(
        self, client: Elasticsearch, actions: list[dict[str, Any]], retries: int, **params: Any
    ) -> dict[str, str]:
        """Send one bulk request; return the permanently rejected documents (id → reason).

        Transient failures -- of the whole request (429, 5xx, timeout, refused connection) or
        of single items (429, 5xx) -- are sent again, only the failed items, after an
        exponentially growing pause; when ``retries`` are used up EngineUnavailable. A delete
        whose item says ``not_found`` is the one harmless failure. An item that fails because
        the index is missing (``require_alias`` with the alias gone) is no fault of the
        document: EngineUnavailable, the outbox keeps it.
        """
        rejected: dict[str, str] = {}
        attempt = 0
        while True:
            failed: list[dict[str, Any]] = []
            reason = ""
            try:
                response = client.bulk(operations=self._operations(actions), **params)
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and not (exc.status_code == 429 or exc.status_code >= 500):
                    raise  # e.g. 404 for the alias, 401: _guard classifies it
                failed, reason = actions, str(exc)
            else:
                for action, item in zip(actions, response["items"], strict=True):
                    ((op_type, result),) = item.items()
                    status = int(result.get("status", 500))
                    if status < 300 or (op_type == "delete" and status == 404 and result.get("result") == "not_found"):
                        continue
                    error = result.get("error") or {}
                    cause = f"{status} {error.get('type', '')}: {error.get('reason', '')}".strip()
                    doc_id = str(result.get("_id", action["_id"]))
                    if status == 429 or status >= 500:
                        failed.append(action)
                        reason = cause
                    elif error.get("type") == "index_not_found_exception":
                        logger.error("Elasticsearch bulk: index missing for document %s: %s", doc_id, cause)
                        raise EngineUnavailable(f"Elasticsearch bulk: {cause}")
                    else:
                        logger.error("Elasticsearch rejected document %s (%s): %s", doc_id, op_type, cause)
                        rejected[doc_id] = cause
            if not failed:
                return rejected
            if attempt >= retries:
                ids = ", ".join(action["_id"] for action in failed[:10])
                logger.warning("Elasticsearch bulk: %s documents not written (%s): %s", len(failed), ids, reason)
                raise EngineUnavailable(f"Elasticsearch bulk: {len(failed)} Dokumente nicht geschrieben: {reason}")
            sleep(min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2**attempt))
            attempt += 1
            actions = failed

    def _write(
        self,
        client: Elasticsearch,
        actions: Iterable[dict[str, Any]],
        retries: int,
        *,
        progress: bool = False,
        **params: Any,
    ) -> tuple[int, dict[str, str]]:
        """Send ``actions`` in chunks; return how many were written and the rejected ones.

        ``progress`` logs the running total after every chunk (a rebuild of thousands of
        documents takes minutes; the log shows it is moving)."""
        written, rejected = 0, {}
        chunk: list[dict[str, Any]] = []
        for action in actions:
            chunk.append(action)
            if len(chunk) == BULK_CHUNK_SIZE:
                chunk_rejected = self._write_chunk(client, chunk, retries, **params)
                written += len(chunk) - len(chunk_rejected)
                rejected |= chunk_rejected
                chunk = []
                if progress:
                    logger.info("Elasticsearch rebuild: %s documents written to %s", written, params.get("index"))
        if chunk:
            chunk_rejected = self._write_chunk(client, chunk, retries, **params)
            written += len(chunk) - len(chunk_rejected)
            rejected |= chunk_rejected
        return written, rejected

    def bulk(self, index: Iterable[IndexDocument] = (), delete: Iterable[str] = ()) -> None:
        """Upsert and delete through the alias; ``refresh=wait_for`` makes a publish visible on return.

        Deleting an id that is not indexed is fine (an item ``result: not_found``); every
        other failure counts. ``require_alias``: if the alias is gone, the write fails
        instead of creating an index under the alias's name. Documents rejected for good
        are raised as DocumentsRejected after everything else was written.
        """
        actions = list(self._actions(index, delete))
        if not actions:
            return
        with self._guard("bulk") as client:
            self._ensure_alias(client)
            _written, rejected = self._write(
                client, actions, WRITE_RETRIES, index=self.alias, refresh="wait_for", require_alias=True
            )
        if rejected:
            raise DocumentsRejected(rejected)

    def _delete_abandoned(self, client: Elasticsearch) -> list[str]:
        """Delete indices of earlier rebuilds that never went live (the process was killed).

        Only names this engine makes (``<alias>-<20 digits>``), not behind the alias, and
        older than ABANDONED_AFTER by the timestamp in their name -- so neither the live
        index nor one that a rebuild running right now is filling.
        """
        pattern = re.compile(rf"{re.escape(self.alias)}-(\d{{20}})")
        cutoff = datetime.now(UTC) - ABANDONED_AFTER
        abandoned = []
        for name, info in client.indices.get_alias(index=self.index_pattern).items():
            match = pattern.fullmatch(name)
            if not match or self.alias in (info.get("aliases") or {}):
                continue
            created = datetime.strptime(match.group(1), "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
            if created < cutoff:
                abandoned.append(name)
        if abandoned:
            logger.warning("Elasticsearch: deleting indices of aborted rebuilds: %s", ", ".join(sorted(abandoned)))
            self._delete_quietly(client, sorted(abandoned))
        return abandoned

    def rebuild(self, documents: Iterable[IndexDocument]) -> int:
        """Fill a new index, then swap the alias atomically and drop the old indices.

        If filling fails the new index is deleted and the alias keeps pointing at the old,
        complete index; a rejected document fails the rebuild (EngineMisconfigured naming
        it), a chunk failing transiently is retried with backoff first. Writes that arrive
        through the alias while a rebuild runs land in the old index and disappear with it:
        the caller must re-apply changes made meanwhile (the outbox tasks written after the
        rebuild started). A concrete index holding the alias's name is removed in the same
        ``_aliases`` call that adds the alias (``replaced_index`` then names it).
        """
        self.replaced_index = None
        with self._guard("rebuild") as base_client:
            client = base_client.options(request_timeout=REBUILD_TIMEOUT_SECONDS)
            self.template().save(using=client)
            self._delete_abandoned(client)
            new_name = self.new_index_name()
            content_index(new_name).create(using=client)
            try:
                indexed, rejected = self._write(
                    client, self._actions(documents, ()), REBUILD_RETRIES, progress=True, index=new_name
                )
                if rejected:
                    reasons = "; ".join(f"{doc_id}: {reason}" for doc_id, reason in sorted(rejected.items())[:5])
                    raise EngineMisconfigured(f"Elasticsearch rebuild: {len(rejected)} Dokumente abgewiesen: {reasons}")
                client.indices.refresh(index=new_name)
                old_indices = self._alias_targets(client)
                shadowed = not old_indices and self._shadowed(client)
            except BaseException:
                self._delete_quietly(client, new_name)
                raise
            removals: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self.alias}} for name in old_indices]
            if shadowed:
                # Same request as the add: searches see the old index or the alias, never nothing.
                removals = [{"remove_index": {"index": self.alias}}]
            try:
                client.indices.update_aliases(actions=[*removals, {"add": {"index": new_name, "alias": self.alias}}])
            except ApiError:
                # Rejected, so nothing moved. (After a timeout the swap may have happened:
                # then the new index must stay.)
                self._delete_quietly(client, new_name)
                raise
            if shadowed:
                logger.warning(
                    "Elasticsearch: the concrete index %s held the alias name; replaced by the alias on %s",
                    self.alias,
                    new_name,
                )
                self.replaced_index = self.alias
            self._alias_ready = True
            if old_indices:
                # The new index is live; a leftover old index is only wasted disk, not a failure.
                self._delete_quietly(client, old_indices)
            return indexed

    @staticmethod
    def _delete_quietly(client: Elasticsearch, index: str | list[str]) -> None:
        try:
            client.indices.delete(index=index)
        except (TransportError, ApiError) as exc:
            logger.warning("Could not delete index %s: %s", index, exc)

    def clear(self) -> None:
        with self._guard("clear") as client:
            self._ensure_alias(client)
            self._search(client).query(MatchAll()).params(refresh=True, conflicts="proceed").delete()

    # -- reading --------------------------------------------------------------------------

    def _search(self, client: Elasticsearch) -> Search:
        return Search(using=client, index=self.alias)

    def search(self, request: SearchRequest) -> EngineResult:
        """Every word required; when that finds fewer than RELAX_BELOW documents, a second
        request with most of the words (``minimum_should_match``), used if it finds more."""
        with self._guard("search") as client:
            self._ensure_alias(client)
            result = self._faceted(client, request, relaxed=False)
            if request.relax and result.total < RELAX_BELOW and plan(request.parsed).relaxable:
                wider = self._faceted(client, request, relaxed=True)
                wider.took_ms += result.took_ms
                if wider.total > result.total:
                    return wider
        return result

    def _faceted(self, client: Elasticsearch, request: SearchRequest, relaxed: bool) -> EngineResult:
        faceted = ContentSearch(request, using=client, index=self.alias, relaxed=relaxed)
        faceted = faceted[request.offset : request.offset + request.page_size]
        response = faceted.execute()
        raw = response.to_dict()
        facet_counts = {
            name: {str(value): count for value, count, _selected in response.facets[name]}
            for name in ContentSearch.facets
        }
        return EngineResult(
            total=int(raw["hits"]["total"]["value"]),
            hits=[_hit(hit, [*request.parsed.words, *request.parsed.phrases]) for hit in raw["hits"]["hits"]],
            facet_counts=facet_counts,
            took_ms=float(raw.get("took", 0)),
            relaxed=relaxed,
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles and tags with a word starting with what was typed; those that begin with it first.

        Elasticsearch finds the candidates: all typed words, the last as a prefix, on the
        folded ``suggest`` subfields. Titles come from the hits, tags from an aggregation (so
        a tag shared by many documents is complete and counted, however many hits there are).
        Which string really matches is decided here: a document found through one tag must
        not offer its other tags. Typed umlauts must match as typed; ASCII input also finds
        the umlaut spelling ("Buerger" → "Bürgerbus"), as in the embedded engine.
        """
        text = " ".join((prefix or "").split())[:SUGGEST_MAX_CHARS]
        words = plain_words if not text.isascii() else fold_words
        typed = words(text)
        if len(text) < SUGGEST_MIN_CHARS or not typed or limit <= 0:
            return []
        on_title = MatchBoolPrefix(**{f"title.{SUGGEST_SUBFIELD}": {"query": text, "operator": "and"}})
        on_tag = MatchBoolPrefix(**{f"tag.{SUGGEST_SUBFIELD}": {"query": text, "operator": "and"}})
        with self._guard("suggest") as client:
            self._ensure_alias(client)
            search = self._search(client).query(Bool(should=[on_title, on_tag])).source(["title"])
            search = search[:SUGGEST_CANDIDATES]
            search.aggs.bucket("tags", "filter", filter=on_tag).bucket(
                "values", "terms", field="tag", size=FACET_BUCKETS
            )
            raw = search.execute().to_dict()
        titles = [(hit.get("_source", {}).get("title") or "", 1) for hit in raw["hits"]["hits"]]
        buckets = raw.get("aggregations", {}).get("tags", {}).get("values", {}).get("buckets", [])
        tags = [(str(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets]
        found: dict[str, tuple[bool, int, int, str, str]] = {}
        for rank, (candidate, count) in enumerate(tags + titles):
            candidate_words = words(candidate)
            at_start = candidate_words.startswith(typed)
            if candidate and (at_start or f" {typed}" in candidate_words):
                key = candidate.casefold()
                found.setdefault(key, (not at_start, -count, rank, key, candidate))
        suggestions = [entry[-1] for entry in sorted(found.values())[:limit]]
        if len(suggestions) < min(limit, FUZZY_SUGGEST_BELOW):
            seen = {text.casefold() for text in suggestions}
            suggestions += self._fuzzy_suggest(text, limit - len(suggestions), seen)
        return suggestions

    def _fuzzy_suggest(self, text: str, limit: int, seen: set[str]) -> list[str]:
        """Titles and tags that fit what was typed with a typo or two ("Strasenbel" →
        "Straßenbeleuchtung"). ``match_bool_prefix`` makes the typed words but the last fuzzy
        and the last a prefix, but never a fuzzy one: so the last word is cut to its first
        FUZZY_SUGGEST_PREFIX_CHARS letters, and ``fuzzy_match`` checks each candidate's edits.
        Asked only when the exact completions do not fill the list."""
        typed = _WORD.findall(text)
        if not typed or not any(suggest_distance(word) for word in typed):
            return []
        cut = " ".join([*typed[:-1], typed[-1][:FUZZY_SUGGEST_PREFIX_CHARS]])
        match = {"query": cut, "operator": "and", "fuzziness": FUZZINESS}
        on_title = MatchBoolPrefix(**{f"title.{SUGGEST_SUBFIELD}": match})
        on_tag = MatchBoolPrefix(**{f"tag.{SUGGEST_SUBFIELD}": match})
        with self._guard("suggest") as client:
            search = self._search(client).query(Bool(should=[on_title, on_tag])).source(["title"])
            search = search[:FUZZY_SUGGEST_CANDIDATES]
            search.aggs.bucket("tags", "filter", filter=on_tag).bucket(
                "values", "terms", field="tag", size=FACET_BUCKETS
            )
            raw = search.execute().to_dict()
        titles = [(hit.get("_source", {}).get("title") or "", 1) for hit in raw["hits"]["hits"]]
        buckets = raw.get("aggregations", {}).get("tags", {}).get("values", {}).get("buckets", [])
        tags = [(str(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets]
        found: dict[str, tuple[bool, int, int, int, str]] = {}
        for rank, (candidate, count) in enumerate(tags + titles):
            key = candidate.casefold()
            if not candidate or key in seen or key in found or (fit := fuzzy_match(candidate, text)) is None:
                continue
            at_start, edits = fit
            found[key] = (not at_start, edits, -count, rank, candidate)
        # At the start first, then the fewest typos, tags of many documents, the best hits.
        return [entry[-1] for entry in sorted(found.values())[:limit]]

    def more_like_this(self, doc_id: str, limit: int = 4) -> list[EngineHit]:
        """Documents sharing the most telling terms of ``doc_id``'s text, tags and action fields.

        Tuned for a corpus of a few hundred documents: a word used once counts
        (``min_term_freq=1``), but only words at least one *other* document has
        (``min_doc_freq=2``) -- words unique to this document have the highest weight and would
        otherwise fill the 25-term budget with terms that can match nothing. A low
        ``minimum_should_match`` then lets the best few documents through at all; they are
        ranked by score anyway. An unknown id yields no terms and so no hits.
        """
        query = Bool(
            must=[
                MoreLikeThis(
                    fields=SIMILAR_FIELDS,
                    like=[{"_index": self.alias, "_id": str(doc_id)}],
                    min_term_freq=1,
                    min_doc_freq=2,
                    minimum_should_match="10%",
                )
            ],
            must_not=[Ids(values=[str(doc_id)])],
        )
        with self._guard("more_like_this") as client:
            self._ensure_alias(client)
            response = self._search(client).query(query).source(excludes=UNRETURNED_FIELDS)[:limit].execute()
            hits = response.to_dict()["hits"]["hits"]
        return [_hit(hit) for hit in hits]

    def health(self) -> EngineHealth:
        """Read-only: the alias's index and its size, or why there is none usable.

        A missing alias is MISSING, a concrete index under the alias's name SHADOWED (both
        fixed by ``search_rebuild``); refusals are MISCONFIGURED, outages UNREACHABLE.
        """
        try:
            with self._guard("health") as client:
                if not self._alias_targets(client):
                    if self._shadowed(client):
                        return EngineHealth(Problem.SHADOWED, detail=f"Index {self.alias} ist ein Index, kein Alias")
                    return EngineHealth(Problem.MISSING)
                documents = int(client.count(index=self.alias)["count"])
        except EngineMisconfigured as exc:
            return EngineHealth(Problem.MISCONFIGURED, detail=str(exc))
        except EngineUnavailable as exc:
            return EngineHealth(Problem.UNREACHABLE, detail=str(exc))
        return EngineHealth(documents=documents)

    def stats(self) -> dict[str, Any]:
        """Read-only: a missing alias reports 0 documents rather than creating an index."""
        with self._guard("stats") as client:
            indices = self._alias_targets(client)
            documents = int(client.count(index=self.alias)["count"]) if indices else 0
        return {"documents": documents, "index": ",".join(indices), "alias": self.alias}


__all__: list[str] = ["ContentDocument", "ContentSearch", "ElasticsearchEngine", "content_index", "text_query"]
