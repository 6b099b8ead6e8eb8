"""Content-Security-Policy: the strict public policy on every public response, the tile server
only on the map page, the admin policy only under the admin prefixes, and templates that need
nothing inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from search.map_views import tile_origin
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db

PUBLIC = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
ADMIN = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
OSM = "https://tile.openstreetmap.org"


@pytest.fixture
def content(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}, in the order sent."""
    assert "Content-Security-Policy" in response, (response.status_code, dict(response.headers))
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = sources
    return directives


def test_public_pages_carry_the_public_policy(client, content):
    urls = {
        "home": "/",
        "project": ProjectPage.objects.get().url,
        "search": reverse("search") + "?q=Laternen",
        "charta": reverse("charta"),
    }
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert policy(response) == PUBLIC, name
        assert "'unsafe-inline'" not in policy(response)["script-src"]


def test_not_found_page_carries_the_public_policy(client, site):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert policy(response) == PUBLIC


@pytest.mark.parametrize("url", ["/api/v1/search/?q=Laternen", "/api/v1/karte/", "/healthz"])
def test_json_and_plain_responses_carry_the_public_policy(client, site, url):
    response = client.get(url)
    assert policy(response) == PUBLIC


def test_static_files_carry_the_public_policy(client):
    response = client.get(settings.STATIC_URL + "css/site.css")
    assert response.status_code == 200
    assert policy(response) == PUBLIC


def test_map_page_alone_allows_the_tile_server(client, site):
    response = client.get(reverse("project_map"))
    assert response.status_code == 200
    assert policy(response) == {**PUBLIC, "img-src": ["'self'", "data:", OSM]}

    for url in ("/", reverse("search"), reverse("api:map"), reverse("coverage")):
        assert OSM not in response_header(client, url), url


def response_header(client, url: str) -> str:
    return client.get(url)["Content-Security-Policy"]


@override_settings(MAP_TILE_URL="https://{s}.karten.example.org:8443/tiles/{z}/{x}/{y}.png")
def test_map_page_follows_the_tile_setting(client, site):
    response = client.get(reverse("project_map"))
    assert policy(response)["img-src"] == ["'self'", "data:", "https://*.karten.example.org:8443"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", OSM),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://localhost:8080/osm/{z}/{x}/{y}.png", "http://localhost:8080"),
        ("/kacheln/{z}/{x}/{y}.png", ""),  # this server: 'self' covers it
    ],
)
def test_tile_origin(url, origin):
    assert tile_origin(url) == origin


@pytest.fixture
def admin_client(client, site):
    user = get_user_model().objects.create_superuser("redaktion", "redaktion@example.org", "Test-Passwort-2026")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/pages/",
        "/django-admin/",
    ],
)
def test_admin_carries_the_admin_policy(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200, response.status_code
    assert policy(response) == ADMIN


def test_admin_login_carries_the_admin_policy(client, site):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert policy(response) == ADMIN


def test_page_preview_keeps_the_public_policy_but_may_be_framed_by_the_editor(admin_client, content):
    """Wagtail renders previews through the middleware for the page's public path: the draft's
    content stays under the strict policy, and the editor's preview panel may frame it."""
    project = ProjectPage.objects.get()
    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[project.pk]))
    assert response.status_code == 200
    assert project.title in response.content.decode()
    assert policy(response) == {**PUBLIC, "frame-ancestors": ["'self'"]}


def test_admin_views_that_allow_framing_may_be_framed_by_the_editor(admin_client):
    """Wagtail's StreamField block preview sets X-Frame-Options SAMEORIGIN: frame-ancestors follows."""
    block = ProjectPage._meta.get_field("body").stream_block
    response = admin_client.get(reverse("wagtailadmin_block_preview") + f"?id={block.definition_prefix}")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(response) == {**ADMIN, "frame-ancestors": ["'self'"]}


def test_logged_in_editor_gets_the_public_policy_on_public_pages(admin_client, content):
    response = admin_client.get("/")
    assert b"wagtail-userbar" in response.content  # the user bar is there, under the public policy
    assert policy(response) == PUBLIC


def test_admin_prefixes_cover_both_admins():
    prefixes = tuple(settings.CONTENT_SECURITY_POLICY_ADMIN["URL_PREFIXES"])
    assert reverse("wagtailadmin_home").startswith(prefixes)
    assert reverse("admin:index").startswith(prefixes)
    for public in ("/", reverse("search"), reverse("project_map"), "/administration/"):
        assert not public.startswith(prefixes), public


# Inline code the public policy blocks: script elements without src, event-handler attributes,
# javascript: URLs, style elements and style attributes.
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|javascript:|<style[\s>]|\sstyle\s*=",
    re.IGNORECASE,
)
JSON_SCRIPT = re.compile(r'<script[^>]*type="application/(ld\+)?json"', re.IGNORECASE)


def public_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    roots = [base / "templates", *base.glob("cms/*/templates"), *base.glob("search/templates")]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_templates_need_nothing_inline():
    templates = public_templates()
    assert len(templates) > 30
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in templates
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
        if not JSON_SCRIPT.match(match.group(0))
    ]
    assert offenders == []
