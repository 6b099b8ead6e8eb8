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
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from elastic_transport import ApiResponseMeta, BaseNode, ConnectionError, ConnectionTimeout, HttpHeaders
from elastic_transport._node import NodeApiResponse  # the (meta, body) pair a node returns

from search.documents import KEYWORD_FIELDS
from search.engines import EngineUnavailable, build_engine
from search.engines.elastic import COMPOUND_PARTS, ElasticsearchEngine
from search.facets import FACETS
from search.query import SearchRequest

ALIAS = "test-content"
NEW_INDEX = "test-content-20250102030405123456"
OLD_INDEX = "test-content-20240101000000000000"
WORD_FIELDS = ["title^3", "summary^2", "body", "title.decompound^1.5", "summary.decompound", "body.decompound^0.5"]
PHRASE_FIELDS = ["title^3", "summary^2", "body"]
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


class FakeCluster:
    """Records every request and answers from ``routes`` (first match wins), else a default."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
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
        return 200, None
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
            meta = ApiResponseMeta(
                status=status,
                http_version="1.1",
                headers=HttpHeaders(
                    {
                        "x-elastic-product": "Elasticsearch",
                        "content-type": "application/vnd.elasticsearch+json;compatible-with=8",
                    }
                ),
                duration=0.0,
                node=self.config,
            )
            return NodeApiResponse(meta, b"" if payload is None else json.dumps(payload).encode())

    return FakeNode


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


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
    engine.search(request)
    (call,) = cluster.calls("POST", rf"/{ALIAS}/_search")
    return call.body


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
    "fields": {
        name: {"fragment_size": 160, "number_of_fragments": 1}
        for name in ("summary", "summary.decompound", "body", "body.decompound")
    },
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "html",
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
        "_source": {"excludes": ["body"]},
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


def test_requests_ask_for_api_version_8_so_servers_8_and_9_accept_them(ready, cluster):
    ready.search(SearchRequest(text="Daten"))
    (call,) = cluster.calls("POST", rf"/{ALIAS}/_search")
    assert call.headers["accept"] == "application/vnd.elasticsearch+json; compatible-with=8"
    assert call.headers["content-type"] == "application/vnd.elasticsearch+json; compatible-with=8"


# -- reading the response -----------------------------------------------------------------


def test_response_becomes_engine_result(ready, cluster):
    hits = [
        {
            "_index": OLD_INDEX,
            "_id": "17",
            "_score": 8.5,
            "_source": {"id": "17", "title": "Bürger-App", "summary": "Kurz & knapp", "date": None, "tag": ["App"]},
            "highlight": {
                "body": ["Die <mark>App</mark> für &lt;alle&gt;"],
                "body.decompound": ["Die <mark>Bürgerbeteiligung</mark> per <mark>App</mark> für &lt;alle&gt;"],
            },
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
    # The fragment with the most marks wins; Elasticsearch already escaped the text around them.
    assert first.snippet == "Die <mark>Bürgerbeteiligung</mark> per <mark>App</mark> für &lt;alle&gt;"
    # No highlight: the summary, escaped.
    assert second.snippet == "&lt;b&gt;Fett&lt;/b&gt; &amp; &quot;zitiert&quot;"


def test_snippet_from_the_summary_wins_over_a_richer_body_fragment(ready, cluster):
    hit = {
        "_id": "19",
        "_score": 1.0,
        "_source": {"id": "19", "summary": "Kurz"},
        "highlight": {
            "body": ["<mark>App</mark> und <mark>App</mark>"],
            "summary.decompound": ["Die <mark>App</mark>"],
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


# -- index creation -----------------------------------------------------------------------


EXPECTED_ANALYSIS = {
    "analyzer": {
        "german_suggest": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "german_normalization"]},
        "german_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "german_stop", "german_normalization", "german_stemmer"],
        },
        "german_compound": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "german_decompounder", "german_stop", "german_normalization", "german_stemmer"],
        },
    },
    "filter": {
        "german_stop": {"type": "stop", "stopwords": "_german_"},
        "german_stemmer": {"type": "stemmer", "language": "light_german"},
        "german_decompounder": {
            "type": "dictionary_decompounder",
            "word_list": list(COMPOUND_PARTS),
            "min_subword_size": 4,
            "only_longest_match": False,
        },
    },
    "normalizer": {"title_sort": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
}
TEXT_MAPPING = {
    "type": "text",
    "analyzer": "german_text",
    "fields": {"decompound": {"type": "text", "analyzer": "german_compound", "search_analyzer": "german_text"}},
}
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
    assert {name: properties[name] for name in ("title", "summary", "body")} == {
        "title": {**TEXT_MAPPING, "fields": {**TEXT_MAPPING["fields"], **SUGGEST_SUBFIELD}},
        "summary": TEXT_MAPPING,
        "body": TEXT_MAPPING,
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
        ("PUT", "/_index_template/test-content"),
        ("PUT", "/test-content-initial"),
        ("POST", f"/{ALIAS}/_search"),
    ]
    template = cluster.requests[1].body
    assert template["index_patterns"] == ["test-content-*"]
    assert template["priority"] == 500
    # The alias must not be in the template, or a rebuild's half-filled index would join it.
    assert set(template["template"]) == {"settings", "mappings"}
    assert_content_index_body(template["template"])
    initial = cluster.requests[2].body
    assert initial["aliases"] == {ALIAS: {}}
    assert_content_index_body(initial)

    engine.search(SearchRequest())
    assert len(cluster.calls("HEAD")) == 1  # checked once per engine


def test_existing_alias_is_used_as_is(engine, cluster):
    engine.suggest("Bürger")
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
    assert (call.method, call.path, call.params) == ("PUT", f"/{ALIAS}/_bulk", {"refresh": "wait_for"})
    assert call.body == [
        {"index": {"_id": "5"}},
        {**DOC, "date": None},
        {"delete": {"_id": "7"}},
    ]
    assert call.headers["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=8"


def test_index_and_delete_shortcuts(ready, cluster):
    ready.index([{**DOC, "date": "2024-05-01"}])
    ready.delete(["5"])
    first, second = cluster.requests
    assert first.body == [{"index": {"_id": "5"}}, {**DOC, "date": "2024-05-01"}]
    assert second.body == [{"delete": {"_id": "5"}}]


def test_empty_bulk_sends_nothing(ready, cluster):
    ready.bulk()
    assert cluster.requests == []


def test_deleting_an_unknown_id_is_fine(ready, cluster):
    missing = {"took": 1, "errors": True, "items": [{"delete": {"_id": "9", "status": 404, "result": "not_found"}}]}
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (200, missing))
    ready.delete(["9"])


def test_rejected_document_makes_bulk_unavailable(ready, cluster):
    rejected = {
        "took": 1,
        "errors": True,
        "items": [{"index": {"_id": "5", "status": 400, "error": {"type": "mapper_parsing_exception"}}}],
    }
    cluster.on("PUT", rf"/{ALIAS}/_bulk", (200, rejected))
    with pytest.raises(EngineUnavailable, match="bulk"):
        ready.index([DOC])


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
        ("PUT", f"/{NEW_INDEX}"),
        ("PUT", f"/{NEW_INDEX}/_bulk"),
        ("POST", f"/{NEW_INDEX}/_refresh"),
        ("GET", f"/_alias/{ALIAS}"),
        ("POST", "/_aliases"),
        ("DELETE", f"/{OLD_INDEX}"),
    ]
    create, bulk = cluster.requests[1], cluster.requests[2]
    assert "aliases" not in create.body  # not searchable until complete
    assert_content_index_body(create.body)
    assert bulk.params == {}  # no per-request refresh; one refresh at the end
    assert bulk.body == [
        {"index": {"_id": "5"}},
        {**DOC, "date": None},
        {"index": {"_id": "6"}},
        {**DOC, "id": "6", "date": None},
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
    (call,) = cluster.requests
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
        "_source": {"excludes": ["body"]},
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
