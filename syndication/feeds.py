"""Atom feeds: what is new for a search, a municipality or a Charta term, last published first.

Three feeds on Django's syndication framework (``Atom1Feed``):

- ``/feeds/suche/?<parameters of /suche/>``: any search, validated by ``search.query.parse_request``
  exactly as the search page does (invalid input: a German 400);
- ``/feeds/charta/<kind>/<code>/``: a Leitlinie, Leitbild-Merkmal, Handlungsempfehlung or
  Handlungsfeld, as the term pages under ``/charta/`` name them; the search facet of that kind does
  the filtering, so a main guideline also lists what is filed under its sub-guidelines;
- ``/feeds/kommune/<AGS>/``: the projects of a registry municipality and their reports.

Entries are ordered by their last publication (search sort ``aktualisiert``), not by a project's
start date: a feed reader wants to hear about what was published or changed, and an old project
revised today is news. The search index holds live, public pages only; each entry is checked
against the database once more (one query), because a view restriction added to a page after it
was published does not reach the index until the page is published again.

The municipality feed reads the database directly: the index has no filter by municipality (only
by state and size class), and a municipality's projects are exactly the live, public pages below
its municipality page.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

from django.contrib.syndication.views import Feed
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from cms.core.licence import content_licence
from cms.core.views import TERM_KINDS
from cms.projects.models import (
    EvaluationReportPage,
    ExperienceReportPage,
    MunicipalityPage,
    ProjectPage,
    attach_projects,
)
from registry.models import Municipality
from registry.taxonomy import expand_guideline_codes
from search import service
from search.documents import CONTENT_TYPE_OF
from search.facets import CONTENT_TYPES, FACETS, FACETS_BY_NAME
from search.query import AGS_PATTERN, RequestError, SearchRequest, parse_request

logger = logging.getLogger(__name__)

# Entries per feed: enough for a reader that polls daily, small enough to render in a few queries.
FEED_ENTRIES = 30
SUMMARY_CHARS = 400
# The date part of the entries' tag URIs (RFC 4151). It names when the ids were minted and must
# never change, or every reader would see every entry again as new.
TAG_DATE = "2025"
RETRY_AFTER_SECONDS = 300
# The Charta term kinds (``cms.core.views.TERM_KINDS`` slugs) that have a search facet, and that
# facet. The actor groups have none (the index does not carry them), so they have no feed.
TERM_FACETS: dict[str, str] = {
    "leitlinien": "guideline",
    "leitbild": "leitbild",
    "empfehlungen": "recommendation",
    "handlungsfelder": "action_field",
}
# Facets whose values are Charta terms; an entry lists their labels as categories.
TERM_CATEGORY_FACETS = ("guideline", "leitbild", "recommendation", "action_field")
# Content types whose indexed summary is rich text with its tags stripped (entities are left).
RICH_TEXT_SUMMARIES = frozenset({"erfahrungsbericht", "evaluationsbericht"})
# Page types with an editor-given author organisation (reports, guides, checklists), by content type.
AUTHORED_TYPES = {kind: model for model, kind in CONTENT_TYPE_OF.items() if model is not ProjectPage}


class SearchUnavailable(Exception):
    """The search engine cannot answer a filtered feed (its database fallback ignores the filters)."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry, the same whether it came from the search index or from the database."""

    page_id: int
    kind: str  # content type, as in the search index (``projekt``, ``erfahrungsbericht``, …)
    external_id: str
    title: str
    path: str  # the page's URL as Wagtail gives it (a path, or absolute with several sites)
    summary: str  # plain text
    published: datetime  # the last publication
    author: str  # the organisation or the municipality; "" leaves the feed's author in charge
    categories: tuple[str, ...]
    guid: str = ""  # the entry's Atom id; ``_content`` sets it, knowing the host

    def tag_uri(self, host: str) -> str:
        """``tag:<host>,2025:projekt/<external id>``: stays when the page moves or is renamed."""
        key = quote(self.external_id, safe="-._~") if self.external_id else f"seite-{self.page_id}"
        return f"tag:{host},{TAG_DATE}:{self.kind}/{key}"


@dataclass(frozen=True)
class FeedContent:
    """Everything a feed shows, computed once per request in ``get_object``."""

    title: str
    subtitle: str
    link: str  # the HTML page the feed belongs to
    self_url: str  # absolute: the feed's own address, also its id
    author: str
    entries: list[FeedEntry]


# --------------------------------------------------------------------------- helpers


def _published(value: str) -> datetime | None:
    """The index's ISO date and time, or None if it is missing or malformed."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _summary(text: str) -> str:
    """Plain text, whitespace folded, cut at SUMMARY_CHARS."""
    return Truncator(" ".join((text or "").split())).chars(SUMMARY_CHARS)


def _rich_text_summary(text: str) -> str:
    """Plain text of rich text (a report's findings): tags dropped, entities such as ``&amp;`` decoded."""
    return _summary(html.unescape(strip_tags(text or "")))


def _term_categories(codes_by_facet: dict[str, list[str]]) -> list[str]:
    """The labels of the Charta terms (e.g. "2.3 Titel"), through the search facets' cached labels."""
    categories: list[str] = []
    for name in TERM_CATEGORY_FACETS:
        codes = codes_by_facet.get(name) or []
        if codes:
            facet = FACETS_BY_NAME[name]
            labels = facet.labels()
            categories.extend(facet.label_for(code, labels) for code in codes)
    return categories


def _categories(kind: str, codes_by_facet: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([str(CONTENT_TYPES.get(kind, kind)), *_term_categories(codes_by_facet)]))


def _organisations(ids_by_kind: dict[str, list[int]]) -> dict[int, str]:
    """Author organisations of reports, guides and checklists: one query per content type present."""
    found: dict[int, str] = {}
    for kind, ids in ids_by_kind.items():
        model = AUTHORED_TYPES.get(kind)
        if model is not None and ids:
            found.update(model.objects.filter(pk__in=ids).values_list("pk", "author_organisation"))
    return {pk: name for pk, name in found.items() if name}


def _site(request: HttpRequest) -> Site | None:
    return Site.find_for_request(request)


def _site_name(request: HttpRequest) -> str:
    site = _site(request)
    return (site.site_name if site else "") or _("Smart-City-Erfahrungsplattform")


def _tag_host(request: HttpRequest) -> str:
    """The host of the entries' tag URIs: the Wagtail site's, so that it does not depend on the
    name a request came in on (the same rule as the sitemap). Changing the site's hostname changes
    every id, and readers then show every entry once more as new."""
    site = _site(request)
    host = urlsplit(site.root_url).hostname if site else None
    return host or request.get_host().split(":")[0]


def entries_from_results(results: list[service.Result]) -> list[FeedEntry]:
    """Feed entries of search results, in their order; pages no longer live and public are left out."""
    by_id = {int(r.id): r for r in results if r.id.isdigit() and r.url}
    visible = dict(Page.objects.live().public().filter(pk__in=list(by_id)).values_list("pk", "last_published_at"))
    ids_by_kind: dict[str, list[int]] = {}
    for pk, result in by_id.items():
        ids_by_kind.setdefault(result.type, []).append(pk)
    organisations = _organisations({kind: [pk for pk in ids if pk in visible] for kind, ids in ids_by_kind.items()})
    entries = []
    for pk, result in by_id.items():
        if pk not in visible:
            continue
        published = _published(result.published) or visible[pk]
        if published is None:
            continue
        municipality = (result.municipality or {}).get("name", "")
        entries.append(
            FeedEntry(
                page_id=pk,
                kind=result.type,
                external_id=result.external_id,
                title=result.title,
                path=result.url,
                summary=_rich_text_summary(result.summary)
                if result.type in RICH_TEXT_SUMMARIES
                else _summary(result.summary),
                published=published,
                author=organisations.get(pk) or municipality,
                categories=_categories(
                    result.type, {name: list(result.source.get(name) or []) for name in TERM_CATEGORY_FACETS}
                ),
            )
        )
    return entries


def _project_codes(project: ProjectPage) -> dict[str, list[str]]:
    """A project's Charta codes as the index files them (a sub-guideline also under its guideline)."""
    return {
        "guideline": expand_guideline_codes([t.code for t in project.guidelines.all()]),
        "leitbild": [t.code for t in project.leitbild.all()],
        "recommendation": [t.code for t in project.recommendations.all()],
        "action_field": [t.code for t in project.action_fields.all()],
    }


def municipality_entries(
    municipality: Municipality, home: MunicipalityPage | None, limit: int = FEED_ENTRIES
) -> list[FeedEntry]:
    """The live, public projects and reports below the municipality's page, last published first.

    A fixed number of queries: the pages, their specific rows, the reports' projects and their terms.
    """
    if home is None:  # no page (yet), or not public: nothing of it is public either
        return []
    pages = list(
        Page.objects.live()
        .public()
        .descendant_of(home)
        .type(ProjectPage, ExperienceReportPage, EvaluationReportPage)
        # Live without a publication only when made in code, never through the editor: no news.
        .exclude(last_published_at=None)
        .order_by("-last_published_at", "-pk")
        .specific()[:limit]
    )
    reports = attach_projects([p for p in pages if isinstance(p, ExperienceReportPage | EvaluationReportPage)])
    projects = [p for p in pages if isinstance(p, ProjectPage)]
    projects += [r.project for r in reports if "project" in r.__dict__]
    prefetch_related_objects(projects, "guidelines", "leitbild", "recommendations", "action_fields")
    entries = []
    for page in pages:
        kind = CONTENT_TYPE_OF[type(page)]
        if isinstance(page, ProjectPage):
            summary, author, codes = _summary(page.summary), municipality.name, _project_codes(page)
        else:
            # Reports carry their project's terms, as in the index; ``attach_projects`` set the project.
            project = page.__dict__.get("project")
            summary = _rich_text_summary(str(page.findings))
            author = page.author_organisation or municipality.name
            codes = _project_codes(project) if project is not None else {}
        entries.append(
            FeedEntry(
                page_id=page.pk,
                kind=kind,
                external_id=page.external_id or "",
                title=page.title,
                path=page.url or "",
                summary=summary,
                published=page.last_published_at,
                author=author,
                categories=_categories(kind, codes),
            )
        )
    return [e for e in entries if e.path]


# --------------------------------------------------------------------------- what each feed shows


def search_params(search_request: SearchRequest) -> list[tuple[str, str]]:
    """The parameters that decide a search feed's entries, in a stable order: text and filters.

    Sort and page are the feed's own (last published first, the first FEED_ENTRIES); the visitor's
    municipality (``kommune``) only marks comparable results and changes no entry.
    """
    params: list[tuple[str, str]] = [("q", search_request.text)] if search_request.text else []
    for facet in FACETS:
        params += [(facet.name, value) for value in search_request.selected(facet.name)]
    return params


def search_feed_path(search_request: SearchRequest) -> str:
    params = search_params(search_request)
    return reverse("feed_search") + ("?" + urlencode(params) if params else "")


def describe_search(search_request: SearchRequest) -> str:
    """What a search asks for, for titles: „Laternen“ · Bundesland: Bayern · Art des Inhalts: Projekt-Steckbrief."""
    parts = [f"„{Truncator(search_request.text).chars(80)}“"] if search_request.text else []
    for facet in FACETS:
        values = search_request.selected(facet.name)
        if values:
            labels = facet.labels()
            parts.append(f"{facet.label}: {', '.join(facet.label_for(v, labels) for v in values)}")
    return " · ".join(parts)


def _run(search_request: SearchRequest) -> list[FeedEntry]:
    response = service.search(search_request)
    if response.degraded and (search_request.text or any(search_request.filters.values())):
        # The database fallback ignores the filters (and orders a text search by relevance): a
        # feed of it would announce unrelated pages as new. Without text and filters it is exact.
        raise SearchUnavailable
    return entries_from_results(response.results)


def _feed_request(**changes) -> SearchRequest:
    return SearchRequest(sort="aktualisiert", page=1, page_size=FEED_ENTRIES, **changes)


def _content(
    request: HttpRequest, title: str, subtitle: str, link: str, entries: list[FeedEntry], self_path: str = ""
) -> FeedContent:
    site_name = _site_name(request)
    host = _tag_host(request)
    return FeedContent(
        title=f"{title} – {site_name}",
        subtitle=subtitle,
        link=link,
        self_url=request.build_absolute_uri(self_path or request.path),
        author=site_name,
        entries=[replace(entry, guid=entry.tag_uri(host)) for entry in entries],
    )


def search_content(request: HttpRequest) -> FeedContent:
    """Raises RequestError for input the search page would reject too."""
    parsed = parse_request(request.GET)
    search_request = _feed_request(text=parsed.text, filters=parsed.filters)
    description = describe_search(search_request)
    params = search_params(search_request)
    return _content(
        request,
        _("Suche: %(description)s") % {"description": description} if description else _("Alle Inhalte"),
        _(
            "Neu veröffentlichte und geänderte Projekte, Berichte und Materialien zu dieser Suche, "
            "die zuletzt veröffentlichten zuerst."
        ),
        reverse("search") + ("?" + urlencode(params) if params else ""),
        _run(search_request),
        # Its own address without what changes no entry (sort, page, kommune): one id per feed.
        self_path=search_feed_path(search_request),
    )


def term_content(request: HttpRequest, kind: str, code: str) -> FeedContent:
    facet_name = TERM_FACETS.get(kind)
    # A code never holds a NUL byte, which PostgreSQL would refuse in the query (a 500).
    if facet_name is None or "\x00" in code:
        raise Http404
    term_kind = TERM_KINDS[kind]
    term = get_object_or_404(term_kind.model, code=code)
    label = f"{term_kind.label} {term.code}" if kind in ("leitlinien", "empfehlungen") else str(term_kind.label)
    return _content(
        request,
        f"{label}: {term.title}",
        _(
            "Neu veröffentlichte und geänderte Projekte, Berichte und Materialien zu „%(term)s“ "
            "(Smart City Charta), die zuletzt veröffentlichten zuerst."
        )
        % {"term": term.title},
        reverse("term", args=[kind, term.code]),
        _run(_feed_request(filters={facet_name: (term.code,)})),
    )


def municipality_content(request: HttpRequest, ags: str) -> FeedContent:
    if not AGS_PATTERN.match(ags):
        raise Http404
    municipality = Municipality.objects.filter(ags=ags).first()
    if municipality is None:
        raise Http404
    home = MunicipalityPage.objects.live().public().filter(municipality=municipality).first()
    return _content(
        request,
        _("Kommune %(name)s") % {"name": municipality.name},
        _(
            "Neu veröffentlichte und geänderte Projekte und Berichte aus %(name)s "
            "(Amtlicher Gemeindeschlüssel %(ags)s), die zuletzt veröffentlichten zuerst."
        )
        % {"name": municipality.name, "ags": municipality.ags},
        (home.url if home is not None else None) or "/",
        municipality_entries(municipality, home),
    )


# --------------------------------------------------------------------------- the views


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


class PlatformFeed(Feed):
    """An Atom feed whose ``get_object`` returns a FeedContent; German answers for bad input.

    One instance serves every request (it is the view), so nothing request-specific is kept on it.
    """

    feed_type = Atom1Feed
    language = "de"

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        try:
            return super().__call__(request, *args, **kwargs)
        except RequestError as exc:
            lines = [_("Ungültige Anfrage:")] + [f"{name}: {message}" for name, message in exc.errors.items()]
            return _plain(400, "\n".join(lines))
        except SearchUnavailable:
            logger.warning("Feed %s: Suchmaschine nicht nutzbar, Antwort 503", request.path)
            response = _plain(
                503,
                _(
                    "Der Feed ist gerade nicht verfügbar, weil die Suchmaschine nicht antwortet. "
                    "Bitte versuchen Sie es später noch einmal."
                ),
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    def title(self, obj: FeedContent) -> str:
        return obj.title

    def subtitle(self, obj: FeedContent) -> str:
        return obj.subtitle

    def link(self, obj: FeedContent) -> str:
        return obj.link

    def feed_url(self, obj: FeedContent) -> str:
        return obj.self_url

    def feed_guid(self, obj: FeedContent) -> str:
        return obj.self_url

    def author_name(self, obj: FeedContent) -> str:
        return obj.author

    def feed_copyright(self, obj: FeedContent) -> str:
        licence = content_licence()
        return _("Inhalte: %(licence)s, %(url)s") % {"licence": licence.short_name, "url": licence.url}

    def items(self, obj: FeedContent) -> list[FeedEntry]:
        return obj.entries

    def item_title(self, entry: FeedEntry) -> str:
        return entry.title  # Atom's title is plain text: the XML writer escapes it, once

    def item_description(self, entry: FeedEntry) -> str:
        return escape(entry.summary)  # Atom1Feed writes the summary as type="html"

    def item_link(self, entry: FeedEntry) -> str:
        return entry.path

    def item_guid(self, entry: FeedEntry) -> str:
        return entry.guid

    def item_updateddate(self, entry: FeedEntry) -> datetime:
        return entry.published

    def item_author_name(self, entry: FeedEntry) -> str | None:
        return entry.author or None

    def item_categories(self, entry: FeedEntry) -> tuple[str, ...]:
        return entry.categories


class SearchFeed(PlatformFeed):
    def get_object(self, request: HttpRequest) -> FeedContent:
        return search_content(request)


class TermFeed(PlatformFeed):
    def get_object(self, request: HttpRequest, kind: str, code: str) -> FeedContent:
        return term_content(request, kind, code)


class MunicipalityFeed(PlatformFeed):
    def get_object(self, request: HttpRequest, ags: str) -> FeedContent:
        return municipality_content(request, ags)
