"""Every page type renders, with its real content, for anonymous visitors."""

import re

import pytest
from django.urls import reverse

from cms.exchange.importer import import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_leads_with_search_and_entry_points(client, content):
    html = get(client, "/")
    assert html.index('name="q"') < html.index("Mitgestaltung fördern")
    assert reverse("term", args=["leitlinien", "2.3"]) in html
    for size_class in ("grossstadt", "mittelstadt", "kleinstadt", "landgemeinde"):
        assert reverse("size_class", args=[size_class]) in html
    assert "Fernwartung der Straßenbeleuchtung" in html  # latest projects
    assert "Evaluation der Fernwartung" in html  # latest reports


def test_project_page_shows_the_steckbrief_but_not_the_email(client, content):
    page = ProjectPage.objects.get()
    html = get(client, page.url)
    plain = text(html)
    for expected in (
        "Fernwartung der Straßenbeleuchtung",
        "LoRaWAN-Knoten an 400 Laternen",
        "Bad Endorf",
        "Kleinstadt",
        "Boppard",
        "Kommunalrichtlinie",
        "EUPL-1.2",
        "Klimaschutzmanagerin",
        "Beispieldaten",
        "Erika Beispiel",
        "Evaluation der Fernwartung",
        "Ein Jahr Regelbetrieb",
    ):
        assert expected in plain, expected
    assert "180.000" in plain  # German number format
    assert "erika.beispiel@example.org" not in html
    assert 'alt="LED-Laterne mit Funkknoten"' in html
    assert reverse("term", args=["leitlinien", "3.3"]) in html


def test_report_pages(client, content):
    evaluation = EvaluationReportPage.objects.get()
    plain = text(get(client, evaluation.url))
    for expected in (
        "Stromverbrauch",
        "MWh/a",
        "Hochschule Beispielstadt",
        "Der Stromverbrauch sank um 41 Prozent",
        "Beispieldaten",
    ):
        assert expected in plain, expected
    assert "<caption" in get(client, evaluation.url)
    experience = ExperienceReportPage.objects.get()
    assert "Die Bürger merken keinen Unterschied" in text(get(client, experience.url))


def test_municipality_guide_and_checklist_pages(client, content):
    municipality = MunicipalityPage.objects.get()
    plain = text(get(client, municipality.url))
    assert "Bad Endorf" in plain and "Rosenheim" in plain and "Fernwartung der Straßenbeleuchtung" in plain
    guide = GuidePage.objects.get()
    plain = text(get(client, guide.url))
    assert "Bestand erfassen." in plain and "Fernwartung der Straßenbeleuchtung" in plain
    checklist = ChecklistPage.objects.get()
    html = get(client, checklist.url)
    assert 'type="checkbox"' in html and "Datenschutz prüfen" in html and "Vorbereitung" in html
    printed = get(client, checklist.url + "drucken/")
    assert "Bestand erfassen" in printed and "<nav" not in printed


def test_section_and_legal_pages(client, content):
    assert "Bad Endorf" in text(get(client, "/kommunen/"))
    assert "Checkliste Laternen" in text(get(client, "/wissen/"))
    for slug in ("impressum", "datenschutz", "barrierefreiheit"):
        assert "<h1" in get(client, f"/{slug}/")
    plain = text(get(client, "/datenquellen/"))
    assert "Statistisches Bundesamt (Destatis)" in plain and "dl-de/by-2-0" in plain


def test_taxonomy_pages_list_tagged_content(client, content):
    plain = text(get(client, reverse("term", args=["leitlinien", "3.3"])))
    assert "Fernwartung der Straßenbeleuchtung" in plain and "Leitfaden Laternen" in plain
    assert "Smart City Charta" in plain  # citation
    main = text(get(client, reverse("term", args=["leitlinien", "3"])))
    assert "Fernwartung der Straßenbeleuchtung" in main  # a sub-guideline counts under its guideline
    other = text(get(client, reverse("term", args=["leitlinien", "2.3"])))
    assert "Fernwartung der Straßenbeleuchtung" not in other
    assert "Fernwartung" in text(get(client, reverse("term", args=["handlungsfelder", "energie-klima"])))
    assert "Fernwartung" in text(get(client, reverse("term", args=["empfehlungen", "f"])))
    assert "Fernwartung" in text(get(client, reverse("term", args=["leitbild", "klimaneutral"])))
    assert "Fernwartung" in text(get(client, reverse("term", args=["akteure", "wirtschaft"])))
    overview = get(client, reverse("charta"))
    assert overview.count('href="/charta/leitlinien/') >= 16
    assert client.get(reverse("term", args=["leitlinien", "9.9"])).status_code == 404
    assert client.get("/charta/unbekannt/x/").status_code == 404


def test_size_class_pages(client, content):
    assert "Fernwartung" in text(get(client, reverse("size_class", args=["kleinstadt"])))
    assert "Fernwartung" not in text(get(client, reverse("size_class", args=["grossstadt"])))
    assert client.get("/gemeindegroesse/riesig/").status_code == 404


def test_unknown_page_is_a_german_404(client, content):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "nicht gefunden" in response.content.decode()
