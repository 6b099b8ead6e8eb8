"""axe-core (WCAG 2.1 A/AA) on every page type, and no request to any third-party host."""

import pytest
from django.urls import reverse

from cms.exchange.importer import import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def content(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])


def page_paths() -> list[tuple[str, str]]:
    checklist = ChecklistPage.objects.get()
    return [
        ("Startseite", "/"),
        ("Bereich Kommunen", "/kommunen/"),
        ("Bereich Wissen", "/wissen/"),
        ("Textseite", "/impressum/"),
        ("Datenschutz", "/datenschutz/"),
        ("Barrierefreiheit", "/barrierefreiheit/"),
        ("Barriere melden", reverse("barrier_report")),
        ("Leichte Sprache", reverse("leichte_sprache")),
        ("Gebärdensprache", reverse("gebaerdensprache")),
        ("Datenquellen", "/datenquellen/"),
        ("Kommune", MunicipalityPage.objects.get().url),
        ("Projekt", ProjectPage.objects.get().url),
        ("Erfahrungsbericht", ExperienceReportPage.objects.get().url),
        ("Evaluationsbericht", EvaluationReportPage.objects.get().url),
        ("Leitfaden", GuidePage.objects.get().url),
        ("Checkliste", checklist.url),
        ("Checkliste Druckansicht", checklist.url + "drucken/"),
        ("Charta-Übersicht", reverse("charta")),
        ("Leitlinie", reverse("term", args=["leitlinien", "3.3"])),
        ("Hauptleitlinie", reverse("term", args=["leitlinien", "3"])),
        ("Handlungsfeld", reverse("term", args=["handlungsfelder", "energie-klima"])),
        ("Gemeindegröße", reverse("size_class", args=["kleinstadt"])),
        ("Suche mit Filter", reverse("search") + "?q=Laternen&size_class=kleinstadt"),
        ("Suche ohne Treffer", reverse("search") + "?q=Zeppelinhafen"),
        ("Seite nicht gefunden", "/gibt-es-nicht/"),
    ]


def test_every_page_type_passes_axe_and_stays_on_this_host(page, axe, live_server, content):
    failures = {}
    for name, path in page_paths():
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, f"{name}: exactly one h1"
        violations = axe()
        if violations:
            failures[f"{name} ({path})"] = violations
    assert failures == {}
    assert page.third_party_requests == []


def test_pages_are_usable_on_a_phone(chromium_browser, live_server, content):
    context = chromium_browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    phone = context.new_page()
    for _, path in page_paths():
        phone.goto(live_server.url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 360px width"
    context.close()


def test_keyboard_focus_is_visible_and_skip_link_works(page, live_server, content):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
