"""The search service: one place that turns a SearchRequest into what pages and the API show.

Engines return raw counts; here they get labels, a stable order, the "a selected value stays
listed even at 0" rule, and, if the engine is unreachable or its index missing or far from
complete (``search.health``), a plain database fallback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.projects.models import ProjectStatus
from explore import comparable
from registry.comparability import Comparison, Profile, explain, format_number
from registry.size_class import SizeClass

from . import health, rerank
from .analysis_query import fuzzy_match
from .documents import INDEXED_MODELS, document_for
from .engines import EngineHit, EngineUnavailable, get_engine
from .facets import CONTENT_TYPES, FACETS, Facet
from .query import SearchRequest

logger = logging.getLogger(__name__)
FALLBACK_LIMIT = 200
GROUP_LIMIT = 5  # suggestions per group besides the completions (municipalities, Charta terms)
STATUS_LABELS = dict(ProjectStatus.choices)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetGroup:
    facet: Facet
    values: list[FacetValue]

    @property
    def name(self) -> str:
        return self.facet.name

    @property
    def top(self) -> list[FacetValue]:
        """Values shown before "mehr anzeigen": the top N, plus any selected value beyond them."""
        head = self.values[: self.facet.top]
        return head + [v for v in self.values[self.facet.top :] if v.selected]

    @property
    def rest(self) -> list[FacetValue]:
        shown = {v.value for v in self.top}
        return [v for v in self.values if v.value not in shown]

    @property
    def any_selected(self) -> bool:
        return any(v.selected for v in self.values)


@dataclass
class Result:
    id: str
    type: str
    type_label: str
    title: str
    url: str
    snippet: str
    summary: str
    municipality: dict | None
    status: str
    status_label: str
    date: str
    external_id: str = ""  # the exchange format's stable id
    published: str = ""  # ISO date and time (UTC) of the last publication
    source: dict = field(repr=False, default_factory=dict)
    reuse_count: int = 0  # projects: how many other live projects were adapted from this one
    # Set when the request names the visitor's municipality (``kommune``).
    comparability: float | None = None  # 0–100, registry.comparability.score
    comparable: bool = False  # score >= registry.comparability.COMPARABLE_THRESHOLD
    comparison_text: str = ""  # e.g. "Kleinstadt wie Sie, 11.800 Einwohner, ländlich, Bayern"


@dataclass
class SearchResponse:
    request: SearchRequest
    total: int
    results: list[Result]
    facets: list[FacetGroup]
    engine: str
    took_ms: float
    degraded: bool = False
    notice: str = ""
    kommune: Profile | None = None  # the visitor's municipality, if the request names one
    window: int | None = None  # only this many hits can be paged through (sort "passend")
    relaxed: bool = False  # the hits match most, not all, of the words (search.analysis_query)

    @property
    def pages(self) -> int:
        reachable = self.total if self.window is None else min(self.total, self.window)
        return max(1, -(-reachable // self.request.page_size))

    def facet(self, name: str) -> FacetGroup | None:
        return next((g for g in self.facets if g.name == name), None)


def _first(value) -> str:
    if isinstance(value, list):
        return value[0] if value else ""
    return value or ""


def result_from_hit(hit: EngineHit) -> Result:
    s = hit.source
    kind = _first(s.get("content_type"))
    ags = _first(s.get("municipality_ags"))
    municipality = None
    if ags:
        size_class = _first(s.get("size_class"))
        municipality = {
            "ags": ags,
            "name": s.get("municipality_name", ""),
            "state": _first(s.get("state")),
            "state_name": s.get("state_name", ""),
            "size_class": size_class,
            "size_class_label": str(SizeClass(size_class).label) if size_class in SizeClass.values else "",
        }
    return Result(
        id=str(hit.id),
        type=kind,
        type_label=str(CONTENT_TYPES.get(kind, kind)),
        title=s.get("title", ""),
        url=s.get("url", ""),
        snippet=hit.snippet or escape(s.get("summary", "")[:240]),
        summary=s.get("summary", ""),
        municipality=municipality,
        status=_first(s.get("status")),
        status_label=str(STATUS_LABELS.get(_first(s.get("status")), "")),
        date=s.get("date", ""),
        external_id=s.get("external_id", ""),
        published=s.get("published", ""),
        source=s,
        reuse_count=int(s.get("reuse_count") or 0),
    )


def _order(facet: Facet, values: list[FacetValue], labels: dict[str, str]) -> list[FacetValue]:
    if facet.order == "vocabulary" and labels:
        position = {value: i for i, value in enumerate(labels)}
        return sorted(values, key=lambda v: (position.get(v.value, len(position)), v.value))
    if facet.order == "value_desc":
        return sorted(values, key=lambda v: v.value, reverse=True)
    return sorted(values, key=lambda v: (-v.count, v.label.casefold()))


def facet_groups(request: SearchRequest, counts: dict[str, dict[str, int]]) -> list[FacetGroup]:
    groups = []
    for facet in FACETS:
        labels = facet.labels()
        selected = set(request.selected(facet.name))
        facet_counts = dict(counts.get(facet.name, {}))
        for value in selected:
            facet_counts.setdefault(value, 0)  # a selected value stays listed, even at 0
        values = [
            FacetValue(value=v, label=facet.label_for(v, labels), count=c, selected=v in selected)
            for v, c in facet_counts.items()
            if c > 0 or v in selected
        ]
        groups.append(FacetGroup(facet, _order(facet, values, labels)))
    return groups


def _mark(result: Result, mine: Profile, other: Profile, comparison: Comparison) -> Result:
    result.comparability = comparison.score
    result.comparable = comparison.comparable
    result.comparison_text = explain(mine, other)
    return result


def _profile(ags: str) -> Profile | None:
    municipality = comparable.get_municipality(ags)
    return Profile.from_municipality(municipality) if municipality else None


def search(request: SearchRequest, engine=None) -> SearchResponse:
    engine = engine or get_engine()
    started = time.perf_counter()
    mine = _profile(request.kommune) if request.kommune else None
    passend = request.sort == "passend" and mine is not None
    state = health.check(engine)
    if not state.ok:
        # A missing or far too small index would answer, but wrongly: the database does better.
        logger.warning("Suchindex nicht nutzbar (%s), Datenbank-Ersatzsuche", state.problem)
        return fallback_search(request, engine_name=engine.name, started=started)
    try:
        if passend:
            # Re-rank the first RERANK_LIMIT hits of the filtered query (relevance order) by
            # comparability, from the stored municipality fields: no database query per hit.
            raw = engine.search(replace(request, sort="relevanz", page=1, page_size=rerank.RERANK_LIMIT))
        else:
            raw = engine.search(request)
    except EngineUnavailable as exc:
        logger.warning("Suchmaschine nicht erreichbar, Datenbank-Ersatzsuche: %s", exc)
        health.forget(engine)  # the next check asks the engine again instead of a cached "ok"
        return fallback_search(request, engine_name=engine.name, started=started)
    hits = list(raw.hits)
    compared = rerank.compare_documents(mine, [h.source for h in hits]) if mine else [None] * len(hits)
    positions = list(range(len(hits)))
    notice = ""
    if passend:
        positions = rerank.passend_order(compared)[request.offset : request.offset + request.page_size]
        if raw.total > rerank.RERANK_LIMIT:
            notice = _(
                "Nach Passung sortiert sind die %(limit)s relevantesten von %(total)s Treffern; "
                "grenzen Sie die Suche ein, um alle zu sehen."
            ) % {"limit": format_number(rerank.RERANK_LIMIT), "total": format_number(raw.total)}
    results = []
    for i in positions:
        result = result_from_hit(hits[i])
        if mine is not None and compared[i] is not None:
            _mark(result, mine, *compared[i])
        results.append(result)
    return SearchResponse(
        request=request,
        total=raw.total,
        results=results,
        facets=facet_groups(request, raw.facet_counts),
        engine=engine.name,
        took_ms=round(raw.took_ms or (time.perf_counter() - started) * 1000, 2),
        notice=notice,
        kommune=mine,
        window=rerank.RERANK_LIMIT if passend else None,
        relaxed=raw.relaxed,
    )


def fallback_search(request: SearchRequest, engine_name: str, started: float) -> SearchResponse:
    """Plain database search for the text query: no facets, but the page still answers."""
    pages = Page.objects.live().public().type(*INDEXED_MODELS).specific()
    if request.text:
        matches = list(pages.search(request.text)[:FALLBACK_LIMIT])
    else:
        newest = "-last_published_at" if request.sort == "aktualisiert" else "-first_published_at"
        matches = list(pages.order_by(newest)[:FALLBACK_LIMIT])
    window = matches[request.offset : request.offset + request.page_size]
    results = []
    for page in window:
        document = document_for(page)
        if document is not None:
            results.append(result_from_hit(EngineHit(id=document["id"], score=0.0, source=document)))
    return SearchResponse(
        request=request,
        total=len(matches),
        results=results,
        facets=facet_groups(request, {}),
        engine="datenbank",
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        degraded=True,
        notice=_(
            "Die Suchmaschine ist gerade nicht erreichbar. Sie sehen eine einfache Volltextsuche ohne Filter; "
            "bitte versuchen Sie es später noch einmal."
        ),
    )


def suggest(prefix: str, limit: int = 8, engine=None) -> list[str]:
    engine = engine or get_engine()
    try:
        return engine.suggest(prefix, limit)
    except EngineUnavailable:
        return []


# The Charta's term kinds: model, label of one term, URL segment of its page (/charta/<kind>/<code>/).
def _term_kinds() -> list[tuple[type, str, str]]:
    from registry.models import ActionField, Guideline, LeitbildAttribute, Recommendation

    return [
        (Guideline, _("Leitlinie"), "leitlinien"),
        (LeitbildAttribute, _("Leitbild"), "leitbild"),
        (Recommendation, _("Handlungsempfehlung"), "empfehlungen"),
        (ActionField, _("Handlungsfeld"), "handlungsfelder"),
    ]


def charter_term_suggestions(prefix: str, limit: int = GROUP_LIMIT) -> list[dict]:
    """Charta terms whose title has a word beginning with ``prefix``, typos tolerated
    (``fuzzy_match``). The taxonomy has a few hundred terms at most: matched in Python."""
    found = []
    for model, kind_label, kind in _term_kinds():
        for code, title in model.objects.values_list("code", "title"):
            fit = fuzzy_match(title, prefix)
            if fit is not None:
                item = {"text": title, "url": reverse("term", args=[kind, code]), "hint": str(kind_label)}
                found.append(((not fit[0], fit[1], title.casefold()), item))
    return [item for _key, item in sorted(found, key=lambda pair: pair[0])[:limit]]


def municipality_suggestions(prefix: str, limit: int = GROUP_LIMIT) -> list[dict]:
    """Municipalities of the register whose name begins with ``prefix`` (the larger first),
    each linking to the projects that suit it."""
    return [
        {
            "text": m.name,
            "url": reverse("comparable_projects", args=[m.ags]),
            "hint": f"{m.district.name}, {m.state.name}",
        }
        for m in comparable.find(prefix, limit=limit, contains=False)
    ]


def suggestion_groups(prefix: str, titles: list[str]) -> list[dict]:
    """The grouped suggestions of the search box: completions (titles and tags, ``titles``),
    municipalities and Charta terms; only groups with something in them."""
    groups = [
        ("projekte", _("Projekte"), [{"text": text, "url": "", "hint": ""} for text in titles]),
        ("kommunen", _("Kommunen"), municipality_suggestions(prefix) if len(prefix) >= 2 else []),
        ("charta", _("Charta-Begriffe"), charter_term_suggestions(prefix) if len(prefix) >= 2 else []),
    ]
    return [{"key": key, "label": str(label), "items": items} for key, label, items in groups if items]


def similar(page_id: int, limit: int = 4, engine=None) -> list[Result]:
    engine = engine or get_engine()
    try:
        return [result_from_hit(h) for h in engine.more_like_this(str(page_id), limit)]
    except EngineUnavailable:
        return []
