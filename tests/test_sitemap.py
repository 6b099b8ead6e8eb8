"""``/sitemap.xml`` lists every live public page and nothing else; ``robots.txt`` points to it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from registry.models import Guideline
from tests.factories import add_grossstadt_project, bundle, write_bundle

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.findall("sm:url/sm:loc", NS)]


def test_sitemap_lists_every_live_project_and_no_draft(site, exchange_dir, client):
    import_files([write_bundle(exchange_dir, add_grossstadt_project(bundle()))])
    projects = list(ProjectPage.objects.live().public())
    assert len(projects) == 2
    draft = projects[1]
    draft.unpublish()

    locations = sitemap_locations(client)

    live = projects[0]
    assert live.get_full_url() in locations
    assert draft.get_full_url() not in locations
    for report in live.get_children().live():
        assert report.get_full_url() in locations
    # Every location is an absolute URL on this site, listed once.
    assert all(loc.startswith("http://localhost/") for loc in locations)
    assert len(locations) == len(set(locations))


def test_sitemap_lists_the_registry_pages(site, client):
    locations = sitemap_locations(client)
    guideline = Guideline.objects.order_by("code").first()
    assert f"http://localhost{reverse('term', args=['leitlinien', guideline.code])}" in locations
    assert f"http://localhost{reverse('size_class', args=['kleinstadt'])}" in locations
    assert f"http://localhost{reverse('charta')}" in locations
    assert {"http://localhost/leichte-sprache/", "http://localhost/gebaerdensprache/"} <= set(locations)


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin_and_facets(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in ("/admin/", "/django-admin/", "/suche/", "/karte/", "/api/"):
        assert f"Disallow: {path}" in lines
