"""The Elasticsearch engine, without a server: the exact requests it sends and how it reads answers.

The real client and ``elasticsearch.dsl`` serialise every request; only the HTTP node is
fake (``FakeNode``), so these tests see the bytes a cluster would see: method, path, query
parameters, JSON or NDJSON body, headers and timeout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import elasticsearch
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from elastic_transport import ApiResponseMeta, BaseNode, ConnectionError, ConnectionTimeout, HttpHeaders, Transport
from elastic_transport._node import NodeApiResponse  # the (meta, body) pair a node returns

from search import analysis_query, health
from search.analysis_query import RELAX_BELOW, SYNONYM_BOOST, build_table
from search.documents import KEYWORD_FIELDS, MAX_BODY_CHARS
from search.engines import (
    DocumentsRejected,
    EngineMisconfigured,
    EngineUnavailable,
    Problem,
    build_engine,
    elastic,
    reset_engine,
)
from search.engines.elastic import ElasticsearchEngine, to_source
from search.facets import FACETS
from search.query import SearchRequest

ALIAS = "test-content"
NEW_INDEX = "test-content-20250102030405123456"
OLD_INDEX = "test-content-20240101000000000000"
# The compound parts (search.analysis) weigh least; "extra" (partners, district, ...) below the body.
WORD_FIELDS = ["title^3", "summary^2", "body", "extra^0.5", "parts^0.3"]
PHRASE_FIELDS = ["title^3", "summary^2", "body", "extra^0.5"]
UNRETURNED = {"excludes": ["body", "extra", "parts"]}
DATE_DESC = {"date": {"order": "desc", "missing": "_last"}}


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str] = field(repr=False, default_factory=dict)
    timeout: Any = field(repr=False, default=None)


Response = tuple[int, Any]
RESPONSES = Path(__file__).parent / "es_responses"


def es_response(name: str) -> dict:
    """A recorded Elasticsearch response body from ``es_responses/``."""
    return json.loads((RESPONSES / f"{name}.json").read_text())


class FakeCluster:
    """Records every request and answers from ``routes`` (first match wins), else a default."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.product_header = True  # False: answer like a server that is not Elasticsearch
        self.routes: list[tuple[str, str, Response | Exception | Callable[[Request], Response]]] = []

    def on(self, method: str, path: str, answer: Response | Exception | Callable[[Request], Response]) -> None:
        """Answer ``method`` requests whose path fully matches the regex ``path``."""
        self.routes.insert(0, (method, path, answer))

    def calls(self, method: str | None = None, path: str | None = None) -> list[Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or re.fullmatch(path, r.path))
        ]

    def answer(self, request: Request) -> Response:
        for method, path, answer in self.routes:
            if method == request.method and re.fullmatch(path, request.path):
                if isinstance(answer, Exception):
                    raise type(answer)(*answer.args)  # a fresh one per attempt, as a real node raises
                return answer(request) if callable(answer) else answer
        return default_answer(request)


def default_answer(request: Request) -> Response:
    """What a healthy cluster with the alias on OLD_INDEX answers."""
    method, path = request.method, request.path
    if method == "HEAD":
        # The alias exists; no concrete index holds its name.
        return (404, None) if path == f"/{ALIAS}" else (200, None)
    if path.endswith("/_bulk"):
        items, lines = [], iter(request.body)
        for action in lines:
            ((op, meta),) = action.items()
            if op != "delete":
                next(lines)  # the document
            items.append({op: {"_id": meta["_id"], "status": 200 if op == "delete" else 201}})
        return 200, {"took": 3, "errors": False, "items": items}
    if method == "GET" and path.startswith("/_alias/"):
        return 200, {OLD_INDEX: {"aliases": {ALIAS: {}}}}
    if method == "GET" and path == f"/{ALIAS}-*/_alias":  # every index of the pattern, with its aliases
        return 200, {OLD_INDEX: {"aliases": {ALIAS: {}}}}
    if path.endswith("/_search"):
        return 200, search_response()
    if path.endswith("/_count"):
        return 200, {"count": 42, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
    if path.endswith("/_delete_by_query"):
        return 200, {"took": 2, "deleted": 42, "failures": []}
    if path.endswith("/_refresh"):
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
    return 200, {"acknowledged": True}


def search_response(hits: list[dict] | None = None, buckets: dict[str, list] | None = None, total: int = 0) -> dict:
    buckets = buckets or {}
    return {
        "took": 7,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": total, "relation": "eq"}, "max_score": None, "hits": hits or []},
        "aggregations": {
            f"_filter_{facet.name}": {
                "doc_count": total,
                facet.name: {
                    "doc_count_error_upper_bound": 0,
                    "sum_other_doc_count": 0,
                    "buckets": [{"key": k, "doc_count": c} for k, c in buckets.get(facet.name, [])],
                },
            }
            for facet in FACETS
        },
    }


def _decode(body: bytes | None, content_type: str) -> Any:
    if not body:
        return None
    if "ndjson" in content_type:
        return [json.loads(line) for line in body.decode().splitlines() if line]
    return json.loads(body)


def node_class_for(cluster: FakeCluster) -> type[BaseNode]:
    class FakeNode(BaseNode):
        """An HTTP node that never opens a socket."""

        def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
            split = urlsplit(target)
            sent = dict(headers or {})
            request = Request(
                method=method,
                path=split.path,
                params=dict(parse_qsl(split.query)),
                body=_decode(body, sent.get("content-type", "")),
                headers=sent,
                timeout=request_timeout,
            )
            cluster.requests.append(request)
            status, payload = cluster.answer(request)
            headers = {"content-type": "application/vnd.elasticsearch+json;compatible-with=9"}
            if cluster.product_header:
                headers["x-elastic-product"] = "Elasticsearch"
            meta = ApiResponseMeta(
                status=status,
                http_version="1.1",
                headers=HttpHeaders(headers),
                duration=0.0,
                node=self.config,
            )
            return NodeApiResponse(meta, b"" if payload is None else json.dumps(payload).encode())

    return FakeNode


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


SYNONYMS = build_table([("KI", ["künstliche Intelligenz", "AI"])])


@pytest.fixture(autouse=True)
def synonyms(monkeypatch) -> None:
    """A fixed synonym table instead of the Redaktion's (these tests have no database)."""
    monkeypatch.setattr(analysis_query, "synonym_table", lambda: SYNONYMS)


@pytest.fixture
def engine(cluster: FakeCluster) -> ElasticsearchEngine:
    engine = ElasticsearchEngine(url="http://es.test:9200", index_prefix="test", node_class=node_class_for(cluster))
    engine.new_index_name = lambda: NEW_INDEX  # type: ignore[method-assign]
    return engine


@pytest.fixture
def ready(engine: ElasticsearchEngine, cluster: FakeCluster) -> ElasticsearchEngine:
    """An engine whose alias check already happened, so ``requests`` lists only the operation."""
    engine._alias_ready = True
    return engine


def searched(engine: ElasticsearchEngine, cluster: FakeCluster, request: SearchRequest) -> dict:
    """The body of the first search request (a query of several words that finds fewer than
    RELAX_BELOW documents sends a second, relaxed one: see test_relaxed_second_request)."""
    engine.search(request)
    return cluster.calls("POST", rf"/{ALIAS}/_search")[0].body


def facet_aggs(filters: dict[str, dict]) -> dict:
    """The expected aggregation per facet, wrapped in the filter of the other facets' selections."""
    return {
        f"_filter_{facet.name}": {
            "filter": filters.get(facet.name, {"match_all": {}}),
            "aggs": {facet.name: {"terms": {"field": facet.field, "min_doc_count": 1, "size": 1000}}},
        }
        for facet in FACETS
    }


HIGHLIGHT = {
    "fields": {name: {"fragment_size": 160, "number_of_fragments": 1} for name in ("summary", "body")},
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",
    "max_analyzed_offset": 200_000,
}


# -- the search request -------------------------------------------------------------------


def test_faceted_search_request_body(ready, cluster):
    body = searched(
        ready,
        cluster,
        SearchRequest(text="Bürgerbeteiligung App", filters={"size_class": ("kleinstadt",), "guideline": ("2.3",)}),
    )
    size_class = {"terms": {"size_class": ["kleinstadt"]}}
    guideline = {"terms": {"guideline": ["2.3"]}}
    both = {"bool": {"must": [size_class, guideline]}}
    word = {"fields": WORD_FIELDS, "fuzziness": "AUTO:5,9", "operator": "and", "zero_terms_query": "all"}

    assert body == {
        "query": {
            "bool": {
                "must": [
                    {"multi_match": {"query": "Bürgerbeteiligung", **word}},
                    {"multi_match": {"query": "App", **word}},
                ]
            }
        },
        "post_filter": both,
        "aggs": facet_aggs(
            {"size_class": guideline, "guideline": size_class}
            | {f.name: both for f in FACETS if f.name not in ("size_class", "guideline")}
        ),
        "highlight": HIGHLIGHT,
        "sort": ["_score", DATE_DESC, "id"],
        "_source": UNRETURNED,
        "track_total_hits": True,
        "from": 0,
        "size": 20,
    }
    # Each facet is counted under the other facets' selections, never under its own.
    assert body["aggs"]["_filter_guideline"]["filter"] == size_class
    assert body["aggs"]["_filter_size_class"]["filter"] == guideline
    assert "guideline" not in json.dumps(body["aggs"]["_filter_guideline"]["filter"])
    assert "size_class" not in json.dumps(body["aggs"]["_filter_size_class"]["filter"])


def test_values_of_one_facet_are_ored_in_one_terms_filter(ready, cluster):
    body = searched(ready, cluster, SearchRequest(filters={"state": ("09", "05")}))
    assert body["post_filter"] == {"terms": {"state": ["09", "05"]}}
    assert body["aggs"]["_filter_state"]["filter"] == {"match_all": {}}
    assert body["aggs"]["_filter_tag"]["filter"] == {"terms": {"state": ["09", "05"]}}


def test_reused_facet_filters_and_counts_like_every_other(ready, cluster):
    body = searched(ready, cluster, SearchRequest(filters={"reused": ("ja",)}))
    reused = {"terms": {"reused": ["ja"]}}
    assert body["post_filter"] == reused
    assert body["aggs"]["_filter_reused"] == {
        "filter": {"match_all": {}},
        "aggs": {"reused": {"terms": {"field": "reused", "min_doc_count": 1, "size": 1000}}},
    }
    assert body["aggs"]["_filter_status"]["filter"] == reused
    assert body["aggs"] == facet_aggs({f.name: reused for f in FACETS if f.name != "reused"})


def test_empty_text_matches_all_without_post_filter(ready, cluster):
    body = searched(ready, cluster, SearchRequest())
    assert body["query"] == {"match_all": {}}
    assert "post_filter" not in body
    assert body["aggs"] == facet_aggs({})


def test_phrases_are_required_phrase_matches(ready, cluster):
    body = searched(ready, cluster, SearchRequest(text='Kommune "offene Daten"'))
    assert body["query"] == {
        "bool": {
            "must": [
                {
                    "multi_match": {
                        "query": "Kommune",
                        "fields": WORD_FIELDS,
                        "fuzziness": "AUTO:5,9",
                        "operator": "and",
                        "zero_terms_query": "all",
                    }
                },
                {
                    "multi_match": {
                        "query": "offene Daten",
                        "fields": PHRASE_FIELDS,
                        "type": "phrase",
                        "zero_terms_query": "all",
                    }
                },
            ]
        }
    }


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("relevanz", ["_score", DATE_DESC, "id"]),
        ("neueste", [DATE_DESC, "_score", "id"]),
        ("titel", ["title_sort", "id"]),
        ("aktualisiert", [{"published": {"order": "desc", "missing": "_last"}}, "id"]),
    ],
)
def test_sorts(ready, cluster, sort, expected):
    assert searched(ready, cluster, SearchRequest(sort=sort))["sort"] == expected


def test_page_window_and_timeout(ready, cluster):
    body = searched(ready, cluster, SearchRequest(page=3, page_size=10))
    assert (body["from"], body["size"]) == (20, 10)
    (call,) = cluster.calls("POST", rf"/{ALIAS}/_search")
    assert call.timeout == 5.0


def test_every_page_of_one_query_goes_to_the_same_shard_copies(ready, cluster):
    for page in (1, 2):
        ready.search(SearchRequest(text="Daten", filters={"state": ("09",)}, page=page))
    ready.search(SearchRequest(text="Daten", filters={"state": ("09",)}, sort="titel"))
    first, second, other_sort = (r.params["preference"] for r in cluster.requests)
    assert re.fullmatch(r"q[0-9a-f]{16}", first)
    assert first == second != other_sort


def test_requests_carry_the_clients_own_compatibility_headers(ready, cluster):
    """No header rewriting: the 9.x client announces version 9, which is what it supports.

    (Before, a custom transport rewrote it to 8 to reach 8.x servers, which the client's
    documentation does not support; Elasticsearch 8 needs the 8.x client.)
    """
    client_major = int(elasticsearch.__versionstr__.split(".")[0])
    ready.search(SearchRequest(text="Daten"))
    ready.bulk(index=[DOC])
    for call in cluster.requests:
        for name in ("accept", "content-type"):
            assert call.headers[name].endswith(f"; compatible-with={client_major}"), (call.path, name)
    assert client_major == 9  # the version docs/search.md documents; a change of pin must update it
    assert ready.client.transport.__class__ is Transport


# -- reading the response -----------------------------------------------------------------


def test_response_becomes_engine_result(ready, cluster):
    hits = [
        {
            "_index": OLD_INDEX,
            "_id": "17",
            "_score": 8.5,
            "_source": {"id": "17", "title": "Bürger-App", "summary": "Kurz & knapp", "date": None, "tag": ["App"]},
            "highlight": {"body": ["Die <mark>App</mark> für &lt;alle&gt;"]},
        },
        {
            "_index": OLD_INDEX,
            "_id": "18",
            "_score": 2.0,
            "_source": {"id": "18", "title": "Ohne Treffer im Text", "summary": '<b>Fett</b> & "zitiert"'},
        },
    ]
    buckets = {"size_class": [("kleinstadt", 3), ("grossstadt", 1)], "guideline": [("2.3", 2)]}
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response(hits, buckets, total=2)))

    result = ready.search(
        SearchRequest(text="Bürgerbeteiligung App", filters={"size_class": ("kleinstadt",), "guideline": ("2.3",)})
    )

    assert result.total == 2
    assert result.took_ms == 7.0
    assert result.facet_counts["size_class"] == {"kleinstadt": 3, "grossstadt": 1}
    assert result.facet_counts["guideline"] == {"2.3": 2}
    assert result.facet_counts["tag"] == {}
    assert set(result.facet_counts) == {f.name for f in FACETS}
    first, second = result.hits
    assert (first.id, first.score) == ("17", 8.5)
    assert first.source == {"id": "17", "title": "Bürger-App", "summary": "Kurz & knapp", "date": "", "tag": ["App"]}
    # Elasticsearch already escaped the text around the marks.
    assert first.snippet == "Die <mark>App</mark> für &lt;alle&gt;"
    # No highlight: the summary, escaped.
    assert second.snippet == "&lt;b&gt;Fett&lt;/b&gt; &amp; &quot;zitiert&quot;"


def test_snippet_from_the_summary_wins_over_a_richer_body_fragment(ready, cluster):
    hit = {
        "_id": "19",
        "_score": 1.0,
        "_source": {"id": "19", "summary": "Kurz"},
        "highlight": {
            "body": ["<mark>App</mark> und <mark>App</mark>"],
            "summary": ["Die <mark>App</mark>"],
        },
    }
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response([hit], total=1)))
    (only,) = ready.search(SearchRequest(text="App")).hits
    assert only.snippet == "Die <mark>App</mark>"


def test_hits_sorted_by_date_have_score_zero(ready, cluster):
    hit = {"_id": "3", "_score": None, "_source": {"id": "3", "summary": ""}, "sort": ["2024-01-01"]}
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response([hit], total=1)))
    (only,) = ready.search(SearchRequest(sort="neueste")).hits
    assert only.score == 0.0 and only.snippet == ""


def test_compound_parts_are_sent_with_the_document(ready, cluster):
    """search.analysis computes the parts once, in Python; Elasticsearch indexes them as ``parts``."""
    doc = {
        **DOC,
        "title": "Livestream aus dem Rathaus",
        "summary": "",
        "body": "Das Glasfasernetz",
        "extra": "Feldberg",
    }
    ready.bulk(index=[doc])
    (call,) = cluster.requests
    sent = call.body[1]
    assert sent["parts"] == "live stream glasfaser netz glas faser feld berg"  # extra text too
    assert sent["extra"] == "Feldberg"
    assert to_source(doc)["parts"] == sent["parts"]


def test_a_part_is_queried_in_the_parts_field_below_every_text_field(ready, cluster):
    body = searched(ready, cluster, SearchRequest(text="Programm"))
    (match,) = body["query"]["bool"]["must"]
    fields = match["multi_match"]["fields"]
    assert fields == WORD_FIELDS

    def boost(field: str) -> float:
        return float(field.partition("^")[2] or 1)

    assert boost("parts^0.3") < min(boost(f) for f in fields if not f.startswith("parts"))
    assert body["_source"] == UNRETURNED and set(body["highlight"]["fields"]) == {"summary", "body"}


def test_a_compound_found_by_its_part_is_marked_in_the_summary(ready, cluster):
    hit = {"_id": "21", "_score": 0.4, "_source": {"id": "21", "summary": "Ein Förderprogramm für <alle>."}}
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response([hit], total=1)))
    (only,) = ready.search(SearchRequest(text="Programm")).hits
    assert only.snippet == "Ein <mark>Förderprogramm</mark> für &lt;alle&gt;."


def test_highlighted_paragraphs_keep_a_space_between_them(ready, cluster):
    hit = {"_id": "22", "_score": 1.0, "_source": {"id": "22", "summary": ""}}
    hit["highlight"] = {"body": ["an den übrigen nicht.\nAm <mark>wirksamsten</mark> ist"]}
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response([hit], total=1)))
    (only,) = ready.search(SearchRequest(text="wirksamsten")).hits
    assert only.snippet == "an den übrigen nicht. Am <mark>wirksamsten</mark> ist"


# -- index creation -----------------------------------------------------------------------


EXPECTED_ANALYSIS = {
    "analyzer": {
        "german_suggest": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "german_normalization"]},
        "german_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "german_stop", "german_normalization", "german_stemmer"],
        },
    },
    "filter": {
        "german_stop": {"type": "stop", "stopwords": "_german_"},
        "german_stemmer": {"type": "stemmer", "language": "light_german"},
    },
    "normalizer": {"title_sort": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
}
TEXT_MAPPING = {"type": "text", "analyzer": "german_text"}
SUGGEST_SUBFIELD = {"suggest": {"type": "text", "analyzer": "german_suggest"}}


def assert_content_index_body(body: dict) -> None:
    assert body["settings"] == {
        "number_of_shards": 1,
        "auto_expand_replicas": "0-1",
        "max_result_window": 50000,
        "analysis": EXPECTED_ANALYSIS,
    }
    properties = body["mappings"]["properties"]
    assert body["mappings"]["dynamic"] is False
    assert {name: properties[name] for name in ("title", "summary", "body", "extra", "parts")} == {
        "title": {**TEXT_MAPPING, "fields": SUGGEST_SUBFIELD},
        "summary": TEXT_MAPPING,
        "body": TEXT_MAPPING,
        "extra": TEXT_MAPPING,
        # The compound parts are analysed like the text itself: "Sensor" finds "…sensoren".
        "parts": TEXT_MAPPING,
    }
    assert properties["title_sort"] == {"type": "keyword", "normalizer": "title_sort"}
    assert properties["date"] == {"type": "date", "ignore_malformed": True}
    assert properties["population"] == properties["reuse_count"] == {"type": "integer"}
    assert properties["reused"] == {"type": "keyword"}
    for name in KEYWORD_FIELDS:
        assert properties[name]["type"] == "keyword", name
        assert properties[name] == {"type": "keyword"} or name == "tag"
    assert properties["tag"] == {"type": "keyword", "fields": SUGGEST_SUBFIELD}
    assert properties["id"] == {"type": "keyword"}
    assert properties["url"] == {"type": "keyword", "index": False, "doc_values": False}


def test_first_use_creates_template_and_initial_index_behind_the_alias(engine, cluster):
    cluster.on("HEAD", rf"/_alias/{ALIAS}", (404, None))
    engine.search(SearchRequest())

    assert [(r.method, r.path) for r in cluster.requests] == [
        ("HEAD", f"/_alias/{ALIAS}"),
        ("HEAD", f"/{ALIAS}"),  # no concrete index holds the name
        ("PUT", "/_index_template/test-content"),
        ("PUT", "/test-content-initial"),
        ("POST", f"/{ALIAS}/_search"),
    ]
    template = cluster.requests[2].body
    assert template["index_patterns"] == ["test-content-*"]
    assert template["priority"] == 500
    # The alias must not be in the template, or a rebuild's half-filled index would join it.
    assert set(template["template"]) == {"settings", "mappings"}
    assert_content_index_body(template["template"])
    initial = cluster.requests[3].body
    assert initial["aliases"] == {ALIAS: {}}
    assert_content_index_body(initial)

    engine.search(SearchRequest())
    assert len(cluster.calls("HEAD", rf"/_alias/{ALIAS}")) == 1  # checked once per engine, while all goes well


def test_existing_alias_is_used_as_is(engine, cluster):
    engine.suggest("Bürg")  # too short for typos: one request, without the fuzzy second one
    assert [(r.method, r.path) for r in cluster.requests] == [
        ("HEAD", f"/_alias/{ALIAS}"),
        ("POST", f"/{ALIAS}/_search"),
    ]


def test_initial_index_created_concurrently_gets_the_alias(engine, cluster):
    cluster.on("HEAD", rf"/_alias/{ALIAS}", (404, None))
    exists = {"error": {"type": "resource_already_exists_exception", "reason": "exists"}, "status": 400}
    cluster.on("PUT", r"/test-content-initial", (400, exists))
    engine.bulk(delete=["1"])
    assert [(r.method, r.path) for r in cluster.requests] == [
        ("HEAD", f"/_alias/{ALIAS}"),
        ("HEAD", f"/{ALIAS}"),
        ("PUT", "/_index_template/test-content"),
        ("PUT", "/test-content-initial"),
        ("PUT", f"/test-content-initial/_alias/{ALIAS}"),
        ("PUT", f"/{ALIAS}/_bulk"),
    ]


# -- writing ------------------------------------------------------------------------------


DOC = {
    "id": "5",
    "title": "Sensoren für Parkplätze",
    "title_sort": "sensoren für parkplätze",
    "summary": "Freie Plätze in Echtzeit",
    "body": "Lange Beschreibung",
    "date": "",
    "tag": ["Parken"],
    "population": 12000,
}


def test_bulk_upserts_and_deletes_through_the_alias(ready, cluster):
    ready.bulk(index=[DOC], delete=["7"])
    (call,) = cluster.requests
    # require_alias: with the alias gone, the write fails instead of creating an index of its name.
    assert (call.method, call.path, call.params) == (
        "PUT",
        f"/{ALIAS}/_bulk",
        {"refresh": "wait_for", "require_alias": "true"},
    )
    # The compound parts (search.analysis) go with the document: "Parkplätze" → park, plätze.
    assert call.body == [
        {"index": {"_id": "5"}},
        {**DOC, "date": None, "parts": "park plätze"},
        {"delete": {"_id": "7"}},
    ]
    assert call.headers["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=9"


def test_index_and_delete_shortcuts(ready, cluster):
    ready.index([{**DOC, "date": "2024-05-01"}])
    ready.delete(["5"])
    first, second = cluster.requests
    assert first.body == [{"index": {"_id": "5"}}, {**DOC, "date": "2024-05-01", "parts": "park plätze"}]
    assert second.body == [{"delete": {"_id": "5"}}]


def test_empty_bulk_sends_nothing(ready, cluster):
    ready.bulk()
    assert cluster.requests == []


def test_deleting_an_unknown_id_is_fine(ready, cluster):
    """The one harmless failure: a delete item that says ``result: not_found``."""
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (200, es_response("bulk_delete_not_found")))
    ready.delete(["9"])


def test_clear_deletes_by_query_and_refreshes(ready, cluster):
    ready.clear()
    (call,) = cluster.requests
    assert (call.method, call.path) == ("POST", f"/{ALIAS}/_delete_by_query")
    assert call.params == {"refresh": "true", "conflicts": "proceed"}
    assert call.body == {"query": {"match_all": {}}}


# -- rebuild ------------------------------------------------------------------------------


def test_rebuild_swaps_the_alias_atomically(engine, cluster):
    documents = [DOC, {**DOC, "id": "6"}]
    assert engine.rebuild(iter(documents)) == 2

    assert [(r.method, r.path) for r in cluster.requests] == [
        ("PUT", "/_index_template/test-content"),
        ("GET", f"/{ALIAS}-*/_alias"),  # looking for indices of aborted rebuilds
        ("PUT", f"/{NEW_INDEX}"),
        ("PUT", f"/{NEW_INDEX}/_bulk"),
        ("POST", f"/{NEW_INDEX}/_refresh"),
        ("GET", f"/_alias/{ALIAS}"),
        ("POST", "/_aliases"),
        ("DELETE", f"/{OLD_INDEX}"),
    ]
    create, bulk = cluster.requests[2], cluster.requests[3]
    assert "aliases" not in create.body  # not searchable until complete
    assert_content_index_body(create.body)
    assert bulk.params == {}  # no per-request refresh; one refresh at the end
    assert bulk.body == [
        {"index": {"_id": "5"}},
        {**DOC, "date": None, "parts": "park plätze"},
        {"index": {"_id": "6"}},
        {**DOC, "id": "6", "date": None, "parts": "park plätze"},
    ]
    (swap,) = cluster.calls("POST", "/_aliases")  # ONE request: remove and add together
    assert swap.body == {
        "actions": [
            {"remove": {"index": OLD_INDEX, "alias": ALIAS}},
            {"add": {"index": NEW_INDEX, "alias": ALIAS}},
        ]
    }
    assert {r.timeout for r in cluster.requests} == {120.0}


def test_first_rebuild_only_adds_the_alias(engine, cluster):
    cluster.on("GET", rf"/_alias/{ALIAS}", (404, {"error": f"alias [{ALIAS}] missing", "status": 404}))
    engine.rebuild([DOC])
    (swap,) = cluster.calls("POST", "/_aliases")
    assert swap.body == {"actions": [{"add": {"index": NEW_INDEX, "alias": ALIAS}}]}
    assert cluster.calls("DELETE") == []


def test_rebuild_removes_the_alias_from_every_old_index(engine, cluster):
    other = "test-content-20230101000000000000"
    cluster.on(
        "GET", rf"/_alias/{ALIAS}", (200, {OLD_INDEX: {"aliases": {ALIAS: {}}}, other: {"aliases": {ALIAS: {}}}})
    )
    engine.rebuild([DOC])
    (swap,) = cluster.calls("POST", "/_aliases")
    assert swap.body["actions"] == [
        {"remove": {"index": other, "alias": ALIAS}},
        {"remove": {"index": OLD_INDEX, "alias": ALIAS}},
        {"add": {"index": NEW_INDEX, "alias": ALIAS}},
    ]
    (drop,) = cluster.calls("DELETE")
    assert drop.path == f"/{other},{OLD_INDEX}"


def test_failed_bulk_deletes_the_new_index_and_keeps_the_alias(engine, cluster):
    rejected = {
        "took": 1,
        "errors": True,
        "items": [{"index": {"_id": "5", "status": 400, "error": {"type": "mapper_parsing_exception"}}}],
    }
    cluster.on("PUT", rf"/{NEW_INDEX}/_bulk", (200, rejected))
    with pytest.raises(EngineUnavailable):
        engine.rebuild([DOC])
    assert [(r.method, r.path) for r in cluster.requests] == [
        ("PUT", "/_index_template/test-content"),
        ("GET", f"/{ALIAS}-*/_alias"),
        ("PUT", f"/{NEW_INDEX}"),
        ("PUT", f"/{NEW_INDEX}/_bulk"),
        ("DELETE", f"/{NEW_INDEX}"),
    ]
    assert cluster.calls("POST", "/_aliases") == []


def test_failing_document_source_deletes_the_new_index(engine, cluster):
    def documents():
        yield DOC
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        engine.rebuild(documents())
    assert cluster.calls("DELETE", f"/{NEW_INDEX}")
    assert cluster.calls("POST", "/_aliases") == []


def test_rejected_alias_swap_deletes_the_new_index(engine, cluster):
    invalid = {"error": {"type": "invalid_alias_name_exception", "reason": "an index exists"}, "status": 400}
    cluster.on("POST", "/_aliases", (400, invalid))
    with pytest.raises(EngineUnavailable, match="invalid_alias_name_exception"):
        engine.rebuild([DOC])
    assert [(r.method, r.path) for r in cluster.requests][-2:] == [("POST", "/_aliases"), ("DELETE", f"/{NEW_INDEX}")]


def test_failing_cleanup_of_old_indices_does_not_fail_the_rebuild(engine, cluster):
    cluster.on("DELETE", f"/{OLD_INDEX}", (503, {"error": {"type": "unavailable"}, "status": 503}))
    assert engine.rebuild([DOC]) == 1
    assert cluster.calls("POST", "/_aliases")


def test_new_index_names_follow_the_template_pattern(cluster):
    engine = ElasticsearchEngine(url="http://es.test:9200", index_prefix="test", node_class=node_class_for(cluster))
    first, second = engine.new_index_name(), engine.new_index_name()
    assert re.fullmatch(r"test-content-\d{20}", first)
    assert first <= second


# -- suggest, more like this, stats -------------------------------------------------------


def suggest_response(titles: list[str], tags: list[tuple[str, int]]) -> dict:
    response = search_response([{"_id": str(i), "_source": {"title": t}} for i, t in enumerate(titles)])
    response["aggregations"] = {
        "tags": {"doc_count": 9, "values": {"buckets": [{"key": k, "doc_count": c} for k, c in tags]}}
    }
    return response


def test_suggest_request(ready, cluster):
    cluster.on("POST", rf"/{ALIAS}/_search", (200, suggest_response([], [])))
    assert ready.suggest("  Bürger  ap ") == []
    call, fuzzy = cluster.requests  # nothing found as typed: a second request tolerates typos
    assert fuzzy.body["query"]["bool"]["should"][0] == {
        "match_bool_prefix": {"title.suggest": {"query": "Bürger ap", "operator": "and", "fuzziness": "AUTO:5,9"}}
    }
    title = {"match_bool_prefix": {"title.suggest": {"query": "Bürger ap", "operator": "and"}}}
    tag = {"match_bool_prefix": {"tag.suggest": {"query": "Bürger ap", "operator": "and"}}}
    assert call.body == {
        "query": {"bool": {"should": [title, tag]}},
        "aggs": {"tags": {"filter": tag, "aggs": {"values": {"terms": {"field": "tag", "size": 1000}}}}},
        "_source": ["title"],
        "size": 50,
    }


def test_suggest_ranks_and_filters_candidates(ready, cluster):
    titles = ["Digitale Bürgerdienste", "Bürger-App für alle", "Offene Daten", "BÜRGERAMT"]
    # The aggregation lists every tag of the matching documents, also the ones not typed.
    tags = [("Open Data", 7), ("Bürgeramt", 2), ("Bürgerbus", 5), ("Burgenland", 3)]
    cluster.on("POST", rf"/{ALIAS}/_search", (200, suggest_response(titles, tags)))

    # Beginning with the prefix first; then tags by the number of documents, then hit rank;
    # duplicates (any case) once; "Burgenland" is no match for a typed umlaut.
    assert ready.suggest("Bürger", limit=5) == [
        "Bürgerbus",
        "Bürgeramt",
        "Bürger-App für alle",
        "Digitale Bürgerdienste",
    ]
    assert ready.suggest("Bürger", limit=2) == ["Bürgerbus", "Bürgeramt"]
    # ASCII input also finds the umlaut spellings.
    assert ready.suggest("buerger") == ["Bürgerbus", "Bürgeramt", "Bürger-App für alle", "Digitale Bürgerdienste"]
    assert ready.suggest("open d") == ["Open Data"]


def test_blank_suggest_sends_nothing(ready, cluster):
    assert ready.suggest("   ") == []
    assert ready.suggest("B") == []  # one letter completes to everything
    assert ready.suggest("--") == []
    assert cluster.requests == []


def test_more_like_this(ready, cluster):
    hit = {
        "_id": "8",
        "_score": 3.0,
        "_source": {"id": "8", "title": "Ähnlich", "summary": "A < B", "date": "2024-01-01"},
    }
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response([hit], total=1)))

    (similar,) = ready.more_like_this("5", limit=3)

    assert (similar.id, similar.source["title"], similar.snippet) == ("8", "Ähnlich", "A &lt; B")
    (call,) = cluster.requests
    assert call.body == {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": ["title", "summary", "body", "tag", "action_field"],
                            "like": [{"_index": ALIAS, "_id": "5"}],
                            "min_term_freq": 1,
                            "min_doc_freq": 2,
                            "minimum_should_match": "10%",
                        }
                    }
                ],
                "must_not": [{"ids": {"values": ["5"]}}],
            }
        },
        "_source": UNRETURNED,
        "size": 3,
    }


def test_stats(ready, cluster):
    assert ready.stats() == {"documents": 42, "index": OLD_INDEX, "alias": ALIAS}
    assert [(r.method, r.path) for r in cluster.requests] == [("GET", f"/_alias/{ALIAS}"), ("POST", f"/{ALIAS}/_count")]


def test_stats_without_alias_reports_zero_and_creates_nothing(engine, cluster):
    cluster.on("GET", rf"/_alias/{ALIAS}", (404, {"error": "missing", "status": 404}))
    assert engine.stats() == {"documents": 0, "index": "", "alias": ALIAS}
    assert [(r.method, r.path) for r in cluster.requests] == [("GET", f"/_alias/{ALIAS}")]


# -- failures -----------------------------------------------------------------------------


OPERATIONS: dict[str, Callable[[ElasticsearchEngine], Any]] = {
    "search": lambda e: e.search(SearchRequest(text="Daten")),
    "bulk": lambda e: e.bulk(index=[DOC]),
    "suggest": lambda e: e.suggest("Da"),
    "more_like_this": lambda e: e.more_like_this("5"),
    "rebuild": lambda e: e.rebuild([DOC]),
    "stats": lambda e: e.stats(),
    "clear": lambda e: e.clear(),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_connection_errors_make_the_engine_unavailable(engine, cluster, monkeypatch, operation):
    monkeypatch.setattr("elastic_transport._transport.time.sleep", lambda seconds: None)
    cluster.on("HEAD", r".*", ConnectionError("Connection refused"))
    for method in ("GET", "PUT", "POST", "DELETE"):
        cluster.on(method, r".*", ConnectionError("Connection refused"))
    with pytest.raises(EngineUnavailable, match="Connection error"):
        OPERATIONS[operation](engine)
    assert len(cluster.requests) == 2  # one retry, then give up


def test_timeouts_are_not_retried(ready, cluster):
    cluster.on("POST", rf"/{ALIAS}/_search", ConnectionTimeout("read timed out"))
    with pytest.raises(EngineUnavailable, match="timed out"):
        ready.search(SearchRequest())
    assert len(cluster.requests) == 1


def test_server_errors_make_the_engine_unavailable(ready, cluster):
    failure = {"error": {"type": "search_phase_execution_exception", "reason": "all shards failed"}, "status": 500}
    cluster.on("POST", rf"/{ALIAS}/_search", (500, failure))
    with pytest.raises(EngineUnavailable, match="search_phase_execution_exception"):
        ready.search(SearchRequest())


def test_a_vanished_alias_is_checked_again(ready, cluster):
    missing = {"error": {"type": "index_not_found_exception", "reason": "no such index"}, "status": 404}
    cluster.on("POST", rf"/{ALIAS}/_search", (404, missing))
    with pytest.raises(EngineUnavailable):
        ready.search(SearchRequest())
    cluster.routes.clear()
    ready.search(SearchRequest())
    assert [r.method for r in cluster.requests] == ["POST", "HEAD", "POST"]


def test_without_url_the_engine_is_unavailable_not_broken():
    engine = ElasticsearchEngine(url="", index_prefix="test")
    with pytest.raises(EngineUnavailable, match="ELASTICSEARCH_URL"):
        engine.search(SearchRequest())


def test_build_engine_and_capabilities():
    engine = build_engine("elasticsearch", url="http://a:9200, http://b:9200", index_prefix="x")
    assert isinstance(engine, ElasticsearchEngine)
    assert (engine.name, engine.alias) == ("elasticsearch", "x-content")
    assert len(engine.client.transport.node_pool) == 2
    assert all(
        getattr(engine, flag)
        for flag in (
            "supports_german_stemming",
            "supports_compound_splitting",
            "supports_fuzzy",
            "supports_phrases",
            "supports_highlighting",
            "supports_more_like_this",
            "supports_suggest",
            "supports_atomic_rebuild",
        )
    )


# -- failures by kind, against recorded Elasticsearch answers -----------------------------


@pytest.fixture
def no_sleep(monkeypatch) -> list[float]:
    """Pauses between retries (ours and the transport's) are recorded, not slept."""
    pauses: list[float] = []
    monkeypatch.setattr("search.engines.elastic.sleep", pauses.append)
    monkeypatch.setattr("elastic_transport._transport.time.sleep", lambda seconds: None)
    return pauses


def test_bulk_into_a_vanished_alias_fails_instead_of_dropping_the_documents(ready, cluster):
    """``require_alias`` makes every item fail with 404 index_not_found_exception; that must not
    count as written (``ignore_status=(404,)`` used to swallow it and the outbox marked it done)."""
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (200, es_response("bulk_require_alias_missing")))
    with pytest.raises(EngineUnavailable, match="index_not_found_exception") as raised:
        ready.index([DOC])
    assert not isinstance(raised.value, EngineMisconfigured)  # a rebuild fixes it, not the config


def test_bulk_rejected_as_a_whole_with_404_fails(ready, cluster):
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (404, es_response("index_not_found_404")))
    with pytest.raises(EngineUnavailable, match="index_not_found_exception"):
        ready.bulk(index=[DOC], delete=["9"])


def test_a_delete_failing_for_another_reason_than_not_found_is_not_ignored(ready, cluster):
    missing_index = es_response("bulk_require_alias_missing")
    missing_index["items"] = [{"delete": {**missing_index["items"][0]["index"], "_id": "9"}}]
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (200, missing_index))
    with pytest.raises(EngineUnavailable, match="index_not_found_exception"):
        ready.delete(["9"])


def test_a_rejected_document_is_logged_and_reported_and_the_rest_written(ready, cluster, caplog):
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (200, es_response("bulk_mapper_parsing_one_item")))
    with caplog.at_level("ERROR", logger="search.engines.elastic"):
        with pytest.raises(DocumentsRejected) as raised:
            ready.index([DOC, {**DOC, "id": "6"}])
    assert list(raised.value.rejected) == ["5"]
    assert raised.value.rejected["5"].startswith("400 mapper_parsing_exception: failed to parse field [population]")
    (record,) = caplog.records
    assert "document 5" in record.getMessage() and "mapper_parsing_exception" in record.getMessage()
    assert len(cluster.requests) == 1  # not retried: it cannot succeed


def test_an_overloaded_item_is_retried_alone_after_a_pause(ready, cluster, no_sleep):
    answers = iter([(200, es_response("bulk_rejected_execution_one_item"))])
    cluster.on("PUT", rf"/{ALIAS}/_bulk", lambda request: next(answers, None) or default_answer(request))
    ready.index([DOC, {**DOC, "id": "6"}])
    first, second = cluster.calls("PUT", rf"/{ALIAS}/_bulk")
    assert [line for line in second.body if "index" in line] == [{"index": {"_id": "5"}}]
    assert no_sleep == [0.5]


def test_an_item_still_overloaded_after_the_retries_leaves_the_write_to_the_outbox(ready, cluster, no_sleep):
    def always_overloaded_5(request: Request) -> Response:
        overloaded, created = es_response("bulk_rejected_execution_one_item")["items"]
        ids = [line["index"]["_id"] for line in request.body if "index" in line]
        items = [overloaded if doc_id == "5" else created for doc_id in ids]
        return 200, {"took": 1, "errors": True, "items": items}

    cluster.on("PUT", rf"/{ALIAS}/_bulk", always_overloaded_5)
    with pytest.raises(EngineUnavailable, match="es_rejected_execution_exception") as raised:
        ready.index([DOC, {**DOC, "id": "6"}])
    assert not isinstance(raised.value, EngineMisconfigured)
    assert len(cluster.requests) == 2 and no_sleep == [0.5]


def test_overload_429_is_an_outage(ready, cluster, no_sleep):
    cluster.on("POST", rf"/{ALIAS}/_search", (429, es_response("rejected_execution_429")))
    with pytest.raises(EngineUnavailable, match="es_rejected_execution_exception") as raised:
        ready.search(SearchRequest(text="Daten"))
    assert not isinstance(raised.value, EngineMisconfigured)


REFUSALS = {
    "highlight offset (400, our request)": (400, "highlight_max_analyzed_offset_400", "search_phase_execution"),
    "credentials (401)": (401, "security_401", "security_exception"),
}


@pytest.mark.parametrize("refusal", REFUSALS)
def test_refusals_are_misconfiguration_logged_with_the_response(ready, cluster, caplog, refusal):
    status, body, kind = REFUSALS[refusal]
    cluster.on("POST", rf"/{ALIAS}/_search", (status, es_response(body)))
    with caplog.at_level("ERROR", logger="search.engines.elastic"):
        with pytest.raises(EngineMisconfigured, match=kind):
            ready.search(SearchRequest(text="Daten"))
    (record,) = caplog.records
    assert record.levelname == "ERROR"
    # The server's whole answer is in the log, not just the status line.
    assert es_response(body)["error"]["root_cause"][0]["reason"] in record.getMessage()


def test_a_server_that_is_not_elasticsearch_is_a_misconfiguration(ready, cluster, caplog):
    cluster.product_header = False
    with caplog.at_level("ERROR", logger="search.engines.elastic"):
        with pytest.raises(EngineMisconfigured, match="kein Elasticsearch-Server"):
            ready.search(SearchRequest(text="Daten"))
    assert caplog.records and caplog.records[0].levelname == "ERROR"


def test_health_tells_refusal_outage_and_missing_alias_apart(engine, cluster, no_sleep):
    assert engine.health().documents == 42 and engine.health().ok
    cluster.on("GET", rf"/_alias/{ALIAS}", (404, {"error": f"alias [{ALIAS}] missing", "status": 404}))
    assert engine.health().problem is Problem.MISSING
    cluster.on("GET", rf"/_alias/{ALIAS}", (401, es_response("security_401")))
    state = engine.health()
    assert state.problem is Problem.MISCONFIGURED and "security_exception" in state.detail
    cluster.on("GET", rf"/_alias/{ALIAS}", ConnectionError("Connection refused"))
    assert engine.health().problem is Problem.UNREACHABLE


# -- the alias heals ----------------------------------------------------------------------


def shadow_the_alias(cluster: FakeCluster) -> None:
    """A concrete index named like the alias (a write auto-created it while the alias was gone)."""
    cluster.on("GET", rf"/_alias/{ALIAS}", (404, {"error": f"alias [{ALIAS}] missing", "status": 404}))
    cluster.on("HEAD", rf"/_alias/{ALIAS}", (404, None))
    cluster.on("HEAD", rf"/{ALIAS}", (200, None))


def test_no_alias_check_is_remembered_across_a_failure(ready, cluster, no_sleep):
    cluster.on("POST", rf"/{ALIAS}/_search", (503, {"error": {"type": "unavailable"}, "status": 503}))
    with pytest.raises(EngineUnavailable):
        ready.search(SearchRequest())
    cluster.routes.clear()
    ready.search(SearchRequest())
    assert cluster.calls("HEAD", rf"/_alias/{ALIAS}")  # looked again


def test_health_reports_a_concrete_index_under_the_alias_name(engine, cluster):
    shadow_the_alias(cluster)
    state = engine.health()
    assert state.problem is Problem.SHADOWED
    assert cluster.calls("PUT") == [] and cluster.calls("POST") == []  # read-only


def test_with_a_concrete_index_under_the_alias_name_nothing_is_created(engine, cluster):
    shadow_the_alias(cluster)
    with pytest.raises(EngineUnavailable, match="search_rebuild"):
        engine.bulk(index=[DOC])
    assert cluster.calls("PUT") == []  # neither the initial index nor a write


def test_rebuild_replaces_a_concrete_index_under_the_alias_name_atomically(engine, cluster, caplog):
    shadow_the_alias(cluster)
    with caplog.at_level("WARNING", logger="search.engines.elastic"):
        assert engine.rebuild([DOC]) == 1
    (swap,) = cluster.calls("POST", "/_aliases")  # ONE request: the index goes, the alias comes
    assert swap.body == {"actions": [{"remove_index": {"index": ALIAS}}, {"add": {"index": NEW_INDEX, "alias": ALIAS}}]}
    assert engine.replaced_index == ALIAS
    assert any("held the alias name" in r.getMessage() for r in caplog.records)
    assert cluster.calls("DELETE") == []  # remove_index already deleted it


def test_a_concurrently_created_shadow_index_fails_the_swap_and_keeps_nothing_half_done(engine, cluster):
    cluster.on("POST", "/_aliases", (400, es_response("invalid_alias_name_400")))
    with pytest.raises(EngineUnavailable, match="invalid_alias_name_exception") as raised:
        engine.rebuild([DOC])
    assert not isinstance(raised.value, EngineMisconfigured)  # the next rebuild heals it
    assert cluster.calls("DELETE", f"/{NEW_INDEX}")


# -- long texts ---------------------------------------------------------------------------


def test_highlighting_is_bounded_so_a_long_body_cannot_fail_the_search(ready, cluster):
    body = searched(ready, cluster, SearchRequest(text="Daten"))
    assert body["highlight"]["max_analyzed_offset"] == MAX_BODY_CHARS <= 1_000_000


# -- rebuild: retries, leftovers, progress ------------------------------------------------


def test_rebuild_retries_a_chunk_rejected_with_429_with_bounded_backoff(engine, cluster, no_sleep):
    overloaded = iter([(429, es_response("rejected_execution_429"))] * 6)
    cluster.on("PUT", rf"/{NEW_INDEX}/_bulk", lambda request: next(overloaded, None) or default_answer(request))
    assert engine.rebuild([DOC]) == 1
    # The transport tries each request twice; our retries wait 0.5, 1, 2 s between rounds.
    assert len(cluster.calls("PUT", rf"/{NEW_INDEX}/_bulk")) == 7
    assert no_sleep == [0.5, 1.0, 2.0]
    assert cluster.calls("POST", "/_aliases")


def test_rebuild_gives_up_after_bounded_retries(engine, cluster, no_sleep):
    cluster.on("PUT", rf"/{NEW_INDEX}/_bulk", (429, es_response("rejected_execution_429")))
    with pytest.raises(EngineUnavailable, match="es_rejected_execution_exception"):
        engine.rebuild([DOC])
    assert no_sleep == [0.5, 1.0, 2.0, 4.0, 8.0] and max(no_sleep) <= 30.0
    assert cluster.calls("DELETE", f"/{NEW_INDEX}") and cluster.calls("POST", "/_aliases") == []


def test_a_rejected_document_fails_the_rebuild_naming_it(engine, cluster):
    cluster.on("PUT", rf"/{NEW_INDEX}/_bulk", (200, es_response("bulk_mapper_parsing_one_item")))
    with pytest.raises(EngineMisconfigured, match="5: 400 mapper_parsing_exception"):
        engine.rebuild([DOC, {**DOC, "id": "6"}])
    assert cluster.calls("DELETE", f"/{NEW_INDEX}")


def test_rebuild_deletes_indices_of_aborted_rebuilds_only(engine, cluster):
    aborted = "test-content-20200101000000000000"
    young = datetime.now(UTC).strftime("test-content-%Y%m%d%H%M%S%f")  # a rebuild running right now
    cluster.on(
        "GET",
        rf"/{ALIAS}-\*/_alias",
        (
            200,
            {
                OLD_INDEX: {"aliases": {ALIAS: {}}},  # live
                aborted: {"aliases": {}},
                young: {"aliases": {}},
                "test-content-initial": {"aliases": {}},  # not a rebuild's name
                "test-content-archive": {"aliases": {}},
            },
        ),
    )
    engine.rebuild([DOC])
    assert [r.path for r in cluster.calls("DELETE")] == [f"/{aborted}", f"/{OLD_INDEX}"]


def test_rebuild_logs_its_progress(engine, cluster, caplog, monkeypatch):
    monkeypatch.setattr("search.engines.elastic.BULK_CHUNK_SIZE", 2)
    with caplog.at_level("INFO", logger="search.engines.elastic"):
        assert engine.rebuild([{**DOC, "id": str(i)} for i in range(5)]) == 5
    assert [r.getMessage() for r in caplog.records if "documents written" in r.getMessage()] == [
        f"Elasticsearch rebuild: 2 documents written to {NEW_INDEX}",
        f"Elasticsearch rebuild: 4 documents written to {NEW_INDEX}",
    ]


# -- the management commands with Elasticsearch -------------------------------------------


@pytest.fixture
def site_engine(engine):
    reset_engine(engine)
    health.forget()
    yield engine
    reset_engine(None)
    health.forget()


@pytest.mark.django_db
def test_search_rebuild_names_a_refusal_as_such(site_engine, cluster):
    cluster.on("PUT", "/_index_template/test-content", (401, es_response("security_401")))
    with pytest.raises(CommandError, match="weist den Neuaufbau ab.*security_exception"):
        call_command("search_rebuild")


@pytest.mark.django_db
def test_search_rebuild_reports_an_outage_as_such(site_engine, cluster, no_sleep):
    cluster.on("PUT", "/_index_template/test-content", ConnectionError("Connection refused"))
    with pytest.raises(CommandError, match="nicht erreichbar"):
        call_command("search_rebuild")


@pytest.mark.django_db
def test_search_status_and_rebuild_report_the_shadowed_alias(site_engine, cluster, capsys):
    shadow_the_alias(cluster)
    call_command("search_status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert (status["health"], status["problem"]) == ("degraded", "shadowed")
    call_command("search_status")
    assert "search_rebuild` ersetzt ihn in einem Schritt" in capsys.readouterr().out
    call_command("search_rebuild")
    assert f"Der Index „{ALIAS}“ belegte den Namen des Alias" in capsys.readouterr().out


@pytest.mark.django_db
def test_search_status_shows_a_refusal_with_the_servers_answer(site_engine, cluster, capsys):
    cluster.on("GET", rf"/_alias/{ALIAS}", (401, es_response("security_401")))
    call_command("search_status")
    out = capsys.readouterr().out
    assert "weist die Anfragen ab" in out and "security_exception" in out


# -- queries as people type them: filler words, synonyms, most of the words, typos -----------


def word_match(word: str) -> dict:
    return {
        "multi_match": {
            "query": word,
            "fields": elastic.WORD_FIELDS,
            "fuzziness": "AUTO:5,9",
            "operator": "and",
            "zero_terms_query": "all",
        }
    }


def test_filler_words_of_a_question_are_not_required(ready, cluster):
    body = searched(ready, cluster, SearchRequest(text="Wie können wir Straßenbeleuchtung sparen?"))
    assert body["query"] == {"bool": {"must": [word_match("Straßenbeleuchtung"), word_match("sparen")]}}


def test_a_query_of_filler_words_only_is_sent_as_before(ready, cluster):
    body = searched(ready, cluster, SearchRequest(text="was gibt es"))
    assert body["query"] == {"bool": {"must": [word_match("was"), word_match("gibt"), word_match("es")]}}
    assert len(cluster.calls("POST", rf"/{ALIAS}/_search")) == 1, "nothing to relax"


def test_synonyms_match_below_the_typed_word(ready, cluster):
    synonym = {
        "fields": elastic.WORD_FIELDS,
        "fuzziness": "AUTO:5,9",
        "operator": "and",
        "zero_terms_query": "none",
        "boost": SYNONYM_BOOST,
    }
    body = searched(ready, cluster, SearchRequest(text="KI Verwaltung"))
    ki = {
        "dis_max": {
            "queries": [
                word_match("KI"),
                # Two words for one: half the boost, so their scores together stay below the word's.
                {"multi_match": {"query": "künstliche Intelligenz", **synonym, "boost": SYNONYM_BOOST / 2}},
                {"multi_match": {"query": "AI", **synonym}},
            ],
            "tie_breaker": 0.3,
        }
    }
    assert body["query"] == {"bool": {"must": [ki, word_match("Verwaltung")]}}
    assert SYNONYM_BOOST < 1

    # Both ways: the two words of an alternative are one unit that also matches the term.
    cluster.requests.clear()
    body = searched(ready, cluster, SearchRequest(text="künstliche Intelligenz"))
    (unit,) = body["query"]["bool"]["must"]
    assert unit["dis_max"]["queries"][0] == {"bool": {"must": [word_match("künstliche"), word_match("Intelligenz")]}}
    assert {"multi_match": {"query": "KI", **synonym}} in unit["dis_max"]["queries"]


def test_few_hits_with_every_word_send_a_relaxed_second_request(ready, cluster):
    hit = {"_id": "7", "_score": 2.0, "_source": {"title": "Laternen", "summary": "", "date": None}}
    answers = iter([search_response(total=0), search_response([hit], total=1)])
    cluster.on("POST", rf"/{ALIAS}/_search", lambda request: (200, next(answers)))
    result = ready.search(SearchRequest(text="Laternen Sensoren Funk", filters={"state": ("09",)}, relax=True))
    strict, relaxed = (call.body for call in cluster.calls("POST", rf"/{ALIAS}/_search"))
    units = [word_match("Laternen"), word_match("Sensoren"), word_match("Funk")]
    assert strict["query"] == {"bool": {"must": units}}
    assert relaxed["query"] == {"bool": {"should": units, "minimum_should_match": 2}}
    # Same filters, counts, sort and window: only the query differs.
    assert {k: v for k, v in relaxed.items() if k != "query"} == {k: v for k, v in strict.items() if k != "query"}
    assert result.relaxed and result.total == 1 and [h.id for h in result.hits] == ["7"]


def test_enough_hits_or_one_word_send_no_relaxed_request(ready, cluster):
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response(total=RELAX_BELOW)))
    assert not ready.search(SearchRequest(text="Laternen Sensoren", relax=True)).relaxed
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response(total=0)))
    assert not ready.search(SearchRequest(text="Laternen", relax=True)).relaxed
    assert not ready.search(SearchRequest(text="", relax=True)).relaxed
    # Not asked to relax (alerts, feeds, the map): one request, however few it finds.
    assert not ready.search(SearchRequest(text="Laternen Sensoren")).relaxed
    assert len(cluster.calls("POST", rf"/{ALIAS}/_search")) == 4


def test_a_relaxed_request_that_finds_no_more_keeps_the_strict_result(ready, cluster):
    cluster.on("POST", rf"/{ALIAS}/_search", (200, search_response(total=0)))
    result = ready.search(SearchRequest(text="Laternen Sensoren", relax=True))
    assert len(cluster.calls("POST", rf"/{ALIAS}/_search")) == 2
    assert not result.relaxed and result.total == 0


def test_fuzzy_suggest_request_and_typo_tolerant_ranking(ready, cluster):
    exact = suggest_response([], [])
    fuzzy = suggest_response(
        ["Fernwartung der Straßenbeleuchtung", "Strategie 2030", "Straßenbeleuchtung mit LED"],
        [("Straßenbeleuchtung", 4), ("Stromsparen", 2)],
    )
    answers = iter([exact, fuzzy])
    cluster.on("POST", rf"/{ALIAS}/_search", lambda request: (200, next(answers)))
    assert ready.suggest("Strasenbel") == [
        "Straßenbeleuchtung",
        "Straßenbeleuchtung mit LED",
        "Fernwartung der Straßenbeleuchtung",
    ]
    first, second = cluster.calls("POST", rf"/{ALIAS}/_search")
    assert first.body["query"]["bool"]["should"][0] == {
        "match_bool_prefix": {"title.suggest": {"query": "Strasenbel", "operator": "and"}}
    }
    prefix = {"query": "Str", "operator": "and", "fuzziness": "AUTO:5,9"}
    title, tag = {"match_bool_prefix": {"title.suggest": prefix}}, {"match_bool_prefix": {"tag.suggest": prefix}}
    assert second.body == {
        "query": {"bool": {"should": [title, tag]}},
        "aggs": {"tags": {"filter": tag, "aggs": {"values": {"terms": {"field": "tag", "size": 1000}}}}},
        "_source": ["title"],
        "size": 200,
    }


def test_typed_right_no_look_alikes(ready, cluster):
    titles = ["Bürgerbus", "Bürgeramt online", "Bürger-App"]
    cluster.on("POST", rf"/{ALIAS}/_search", (200, suggest_response(titles, [("Burgenland", 3)])))
    assert ready.suggest("Bürger", limit=8) == titles  # not "Burgenland", one edit away
    assert len(cluster.calls("POST", rf"/{ALIAS}/_search")) == 1
