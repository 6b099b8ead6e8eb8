"""No URL, path parameter, query parameter or form value makes the public site answer with a 500.

The test walks the URL resolver instead of listing URLs, so a new public route is covered the
day it is added (or fails here until the test knows a valid value for its parameters). Every
route is requested with each path parameter replaced by hostile values, and every concrete URL
(including the Wagtail pages of a small site) with hostile query parameters and form values.
The hostile values are what broke before: "²" passes ``str.isdigit()`` but not ``int()``,
2**63 overflows SQLite's INTEGER, and a NUL byte is a DataError on PostgreSQL.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.documents import get_document_model
from wagtail.models import Page

from cms.access.forms import AccessRequestForm
from cms.contact.forms import ContactRelayForm
from cms.core.converters import MAX_ID, parse_id
from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from search.documents import all_documents
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from search.facets import FACETS
from syndication.forms import AlertForm
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db

# Already percent-encoded, as they appear in a URL or a form body.
HOSTILE = (
    "%C2%B2",  # "²": str.isdigit() is true, int() fails
    "%D9%A3",  # "٣": an Arabic-Indic digit, accepted by int()
    "%E2%91%A0",  # "①"
    "%EF%BC%91",  # fullwidth "１"
    "9223372036854775807",  # 2**63 - 1: the largest id, which does not exist
    "9223372036854775808",  # 2**63: beyond a signed 64-bit column
    "99999999999999999999",
    "-1",
    "0",
    "1.5",
    "1e3",
    "%ff",  # invalid UTF-8
    "%00",  # NUL: PostgreSQL refuses it in text
    "1%00",
    "%20",
    "",
    "x" * 10_000,
    "9" * 10_000,  # beyond Python's int-string conversion limit
)
# For one parameter at a time (there are many): one value of each kind of trouble.
SHARP = ("%C2%B2", "9223372036854775808", "-1", "1.5", "%ff", "%00", "x" * 10_000, "9" * 10_000)

# The site's own parameters besides the facets; the forms add their field names below.
QUERY_NAMES = ("q", "p", "page", "page_size", "sort", "kommune", "next")

FORM = "application/x-www-form-urlencoded"

# Route parameters by name: a value that reaches the view (the project, the municipality, ...).
# A new route parameter fails the test until it is added here.
VALID_PARAMETERS = {
    "project_id": lambda content: content.project.pk,
    "page_id": lambda content: content.project.pk,
    "ags": lambda content: content.project.lead_municipality.ags,
    "kind": lambda content: "leitlinien",
    "code": lambda content: "3.3",
    "size_class": lambda content: "kleinstadt",
    "restriction_id": lambda content: 1,
    "page_view_restriction_id": lambda content: 1,
    # The alert links (/benachrichtigungen/bestaetigen|abmelden/<token>/): well-formed, of no row.
    "token": lambda content: "1." + "A" * 43,
    # The read API (/api/v1/): a report, and any other address below it (its problem-document 404).
    "report_id": lambda content: content.project.get_children().live().first().pk,
    "rest": lambda content: "gibt-es-nicht/",
    # The open-data downloads (/daten/<slug>.<fmt>).
    "slug": lambda content: "projekte",
    "fmt": lambda content: "csv",
}
# Regex routes (Wagtail's, and the site's guard in front of Wagtail's documents) cannot be filled
# in generically: a template and valid values per regex. A new one fails the test until added.
_DOCUMENT = ("dokumente/{0}/{1}", lambda content: (content.document.pk, content.document.filename))
REGEX_ROUTES = {
    r"^dokumente/(\d+)/(.*)$": _DOCUMENT,
    r"dokumente/^(\d+)/(.*)$": _DOCUMENT,
    r"^((?:[\w\-]+/)*)$": ("{0}", lambda content: (content.project.url.strip("/") + "/",)),
}
# QueryDict's own parsing and copying look up every key; those lookups are not the views' reading.
INTERNAL_MODULES = ("django.http.", "django.utils.datastructures")
SKIPPED_PREFIXES = ("admin/", "django-admin/")
_PARAMETER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


@dataclass
class Content:
    project: ProjectPage
    document: object


@dataclass
class Route:
    """One URL pattern: its full route, and how to fill in its parameters."""

    route: str
    parameters: list[str]
    template: str

    def url(self, values: list[str]) -> str:
        return "/" + self.template.format(*values)


@dataclass
class Tally:
    routes: set[str] = field(default_factory=set)
    requests: int = 0
    names: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(SKIPPED_PREFIXES):
                continue
            yield from walk(entry.url_patterns, route)
        else:
            yield route, entry


def routes() -> list[Route]:
    found = []
    for route, entry in walk(get_resolver().url_patterns):
        if isinstance(entry.pattern, RoutePattern) and "^" not in route:
            parameters = _PARAMETER.findall(route)
            template = _PARAMETER.sub("{}", route.replace("{", "{{").replace("}", "}}"))
            found.append(Route(route, parameters, template))
        else:
            assert isinstance(entry.pattern, RegexPattern)
            assert route in REGEX_ROUTES, f"regex route {route!r} ({entry.name}) needs a template in REGEX_ROUTES"
            template = REGEX_ROUTES[route][0]
            found.append(Route(route, re.findall(r"\{\d\}", template), template))
    return found


def valid_values(route: Route, content: Content) -> list[str]:
    if route.route in REGEX_ROUTES:
        return [quote(str(value), safe="/") for value in REGEX_ROUTES[route.route][1](content)]
    missing = [p for p in route.parameters if p not in VALID_PARAMETERS]
    assert not missing, f"route {route.route!r}: add a valid value for {missing} to VALID_PARAMETERS"
    return [quote(str(VALID_PARAMETERS[p](content)), safe="") for p in route.parameters]


def form_field_names() -> list[str]:
    return sorted({*ContactRelayForm.base_fields, *AccessRequestForm.base_fields, *AlertForm.base_fields})


def parameter_names() -> list[str]:
    return list(dict.fromkeys([*QUERY_NAMES, *(facet.name for facet in FACETS), *form_field_names()]))


def valid_form_data(content: Content) -> dict[str, str]:
    """Values that pass the contact and access forms and the picker, so one hostile field goes deep."""
    data = {
        "name": "Max Muster",
        "email": "max.muster@stadt.example.de",
        "subject": "Frage",
        "message": "Guten Tag",
        "role": "kommune",
        "municipality_query": content.project.lead_municipality.ags,
        "municipality_choice": "",
        "organisation": "Stadt",
        "consent": "on",
        "frequency": "taeglich",
        "website": "",
        "q": "Bad",
        "kommune": content.project.lead_municipality.ags,
        "next": "/",
    }
    return {name: quote(value, safe="") for name, value in data.items()}


def body(data: dict[str, str]) -> str:
    """A form body or query string; values are already percent-encoded (hostile ones on purpose)."""
    return "&".join(f"{quote(name)}={value}" for name, value in data.items())


@pytest.fixture
def content(site, exchange_dir, tmp_path) -> Iterator[Content]:
    """The factories' municipality, project, reports, guide and checklist, indexed for the search."""
    import_files([write_bundle(exchange_dir, bundle())])
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.rebuild(list(all_documents()))
    reset_engine(engine)
    yield Content(project=ProjectPage.objects.get(), document=get_document_model().objects.first())
    reset_engine(None)


def page_urls() -> list[str]:
    """Every live page of the site, and the sub-routes of routable pages (the checklist's print view)."""
    urls = []
    for page in Page.objects.live().specific():
        url = page.url
        if not url:
            continue
        urls.append(url)
        if isinstance(page, RoutablePageMixin):
            for pattern in page.get_subpage_urls():
                if isinstance(pattern.pattern, RoutePattern) and not _PARAMETER.search(str(pattern.pattern)):
                    urls.append(url + str(pattern.pattern))
    return urls


@pytest.fixture
def names_read(monkeypatch) -> set[str]:
    """The parameter names looked up in request.GET or request.POST, recorded while the views run."""
    read: set[str] = set()

    def recording(method):
        def wrapper(self, key, *args, **kwargs):
            if not sys._getframe(1).f_globals.get("__name__", "").startswith(INTERNAL_MODULES):
                read.add(key)
            return method(self, key, *args, **kwargs)

        return wrapper

    # Not __getitem__: QueryDict.items() and urlencode() go through it for every key.
    for name in ("get", "getlist", "__contains__"):
        monkeypatch.setattr(QueryDict, name, recording(getattr(QueryDict, name)))
    return read


@pytest.mark.pg_pass
def test_no_hostile_value_causes_a_server_error(content, names_read, capsys):
    client = Client(raise_request_exception=False)  # an exception becomes the 500 it would be in production
    tally = Tally()

    def request(method: str, url: str, data: str = "") -> set[str]:
        """Send one request; the parameter names the view read."""
        cache.clear()  # rate limits would answer 429 before the view reads the input
        names_read.clear()
        if method == "GET":
            response = client.get(url + ("?" + data if data else ""))
        else:
            response = client.post(url, data, content_type=FORM)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.failures.append(f"{response.status_code} {method} {url[:100]} {data[:200]}")
        return set(names_read)

    concrete = []
    for route in routes():
        tally.routes.add(route.route)
        values = valid_values(route, content)
        concrete.append(route.url(values))
        for index in range(len(route.parameters)):
            for hostile in HOSTILE:
                request("GET", route.url([*values[:index], hostile, *values[index + 1 :]]))
    pages = page_urls()
    concrete = list(dict.fromkeys(concrete + pages))

    names = parameter_names()
    valid = valid_form_data(content)
    for url in concrete:
        # All known names at once, hostile; then each name the view read, one at a time, so that
        # an early "400 Bad Request" for one parameter cannot hide a crash on another.
        read_by_get = request("GET", url) | request("GET", url, body(dict.fromkeys(names, HOSTILE[0])))
        read_by_post = request("POST", url, body(valid)) | request("POST", url, body(dict.fromkeys(names, HOSTILE[0])))
        tally.names |= read_by_get | read_by_post
        # A URL whose view reads nothing gets one value of each kind, in case something reads
        # the parameters other than by name (and to prove that nothing does any harm).
        for hostile in HOSTILE if read_by_get else SHARP:
            request("GET", url, body(dict.fromkeys(names, hostile)))
        for hostile in HOSTILE if read_by_post else SHARP:
            request("POST", url, body(dict.fromkeys(names, hostile)))
        for hostile in SHARP:
            for name in sorted(read_by_get):
                request("GET", url, body({quote(name): hostile}))
            for name in sorted(read_by_post):
                request("POST", url, body({**valid, quote(name): hostile}))

    with capsys.disabled():
        print(
            f"\nhostile values: {len(tally.routes)} URL patterns, {len(concrete)} URLs ({len(pages)} Wagtail pages "
            f"and routes), {len(tally.names)} parameter names read, {tally.requests} requests "
            f"({', '.join(f'{count}× {status}' for status, count in sorted(tally.statuses.items()))})"
        )
    assert not tally.failures, f"{len(tally.failures)} server errors:\n" + "\n".join(tally.failures[:80])
    # The requests reached past the 404s: the search, the comparison and the forms read their input.
    expected = {"q", "p", "page", "kommune", "sort", "message", "municipality_query", *(f.name for f in FACETS)}
    assert expected <= tally.names
    assert tally.statuses[200] > 0 and tally.statuses[400] > 0 and tally.statuses[302] > 0


# -- the pieces, directly ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1\n", None),
        ("1.0", None),
        ("²", None),
        ("٣", None),
        ("①", None),
        ("１", None),
        ("1\x00", None),
        ("", None),
        ("9" * 10_000, None),
        (None, None),
    ],
)
def test_parse_id_accepts_ascii_digits_within_the_64_bit_range_only(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/nachnutzen/99999999999999999999/",
        "/nachnutzen/9223372036854775808/checkliste.md",
        "/kontakt/projekt/9223372036854775808/",
        "/nachnutzen/%C2%B2/",
        "/dokumente/" + "9" * 5_000 + "/bericht.pdf",
    ],
)
def test_ids_beyond_the_database_range_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_id_urls_still_reach_the_views(content, client):
    project = content.project
    assert reverse("replication:checklist", args=[project.pk]) == f"/nachnutzen/{project.pk}/"
    assert client.get(f"/nachnutzen/{project.pk}/").status_code == 200
    assert client.get(f"/nachnutzen/{project.pk}/checkliste.md").status_code == 200
    assert client.get(content.document.url).status_code == 200


def test_compare_treats_unicode_digits_and_huge_numbers_as_unknown_projects(content, client):
    response = client.get("/nachnutzen/vergleich/?p=%C2%B2&p=9223372036854775808&p=" + str(content.project.pk))
    assert response.status_code == 400
    assert "²" in response.content.decode() and "9223372036854775808" in response.content.decode()


@pytest.mark.parametrize("target", ["0", "%C2%B2", "suche"])
def test_picker_ignores_a_next_that_is_not_a_path(content, client, target):
    ags = content.project.lead_municipality.ags
    response = client.post("/meine-kommune/", f"kommune={ags}&next={target}", content_type=FORM)
    assert response.status_code == 302 and response["Location"] == f"/projekte-fuer/{ags}/"
    response = client.post("/meine-kommune/vergessen/", f"next={target}", content_type=FORM)
    assert response.status_code == 302 and response["Location"] == "/meine-kommune/"


def test_nul_bytes_in_text_parameters_do_not_reach_the_database(content, client):
    assert client.get("/charta/leitlinien/3.3%00/").status_code == 404
    response = client.get("/zugang/gemeinden/?q=Bad%00%20End")
    assert response.status_code == 200
    assert [m["ags"] for m in response.json()["results"]] == [content.project.lead_municipality.ags]
