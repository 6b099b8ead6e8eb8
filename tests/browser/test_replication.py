"""Nachnutzen and Vergleich in a real browser: ticks survive a reload, two projects side by side, axe."""

import json
import re

import pytest
from playwright.sync_api import expect

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from search.engines import get_engine
from tests.factories import write_bundle
from tests.replication.conftest import full_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def projects(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, full_bundle())])
    return (
        ProjectPage.objects.get(external_id="projekt-test-laternen"),
        ProjectPage.objects.get(external_id="projekt-test-muenchen"),
    )


def test_checklist_ticks_survive_a_reload(page, axe, live_server, projects):
    project, _ = projects
    page.goto(live_server.url + project.url)
    page.get_by_role("link", name="Nachnutzen: Checkliste für Ihre Kommune").click()
    page.wait_for_url(re.compile(rf"/nachnutzen/{project.pk}/$"))
    assert "Nachnutzen: Fernwartung der Straßenbeleuchtung" in page.locator("h1").inner_text()
    expect(page.get_by_role("button", name="Drucken")).to_be_visible()

    first = page.get_by_role("checkbox", name=re.compile(r"^Bestand erfassen"))
    second = page.get_by_role("checkbox", name=re.compile(r"^Personal einplanen: ca\. 6,5 Personenmonate"))
    untouched = page.get_by_role("checkbox", name=re.compile(r"^Voraussetzungen prüfen"))
    first.check()
    # Keyboard: focus the box and press space.
    second.focus()
    page.keyboard.press("Space")
    assert second.is_checked()
    assert "2 von" in page.locator(".js-storage-note").inner_text()

    page.reload()
    assert page.get_by_role("checkbox", name=re.compile(r"^Bestand erfassen")).is_checked()
    assert page.get_by_role("checkbox", name=re.compile(r"^Personal einplanen")).is_checked()
    assert not untouched.is_checked()
    assert axe() == []

    # Stored in this browser only, keyed by the project.
    stored = page.evaluate(f"window.localStorage.getItem('nachnutzen:{project.pk}')")
    assert stored and len(json.loads(stored)) == 2

    page.get_by_role("button", name="Häkchen zurücksetzen").click()
    page.reload()
    assert not page.get_by_role("checkbox", name=re.compile(r"^Bestand erfassen")).is_checked()

    # The visitor's municipality, through the form.
    page.get_by_label("Amtlicher Gemeindeschlüssel (8 Ziffern)").fill("12073069")
    page.get_by_role("button", name="Unterschiede anzeigen").click()
    page.wait_for_url(re.compile(r"kommune=12073069"))
    expect(page.get_by_role("heading", name="Was in Boitzenburger Land anders ist")).to_be_visible()
    assert axe() == []
    assert page.third_party_requests == []


def test_print_shows_only_the_checklist(page, live_server, projects):
    project, _ = projects
    page.goto(f"{live_server.url}/nachnutzen/{project.pk}/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".kommune-form")).to_be_hidden()
    expect(page.get_by_role("link", name="Als Markdown herunterladen")).to_be_hidden()
    expect(page.locator(".replication-checklist")).to_be_visible()


def test_add_two_projects_to_the_comparison(page, axe, live_server, projects):
    first, second = projects
    page.goto(live_server.url + first.url)
    page.get_by_role("link", name="Zum Vergleich hinzufügen").click()
    # The first project is a normal step: a status message, not an error.
    assert "mindestens zwei Projekte" in page.locator(".message[role=status]").inner_text()
    assert page.get_by_role("alert").count() == 0

    page.goto(live_server.url + second.url)
    assert "1 von 4 Projekten" in page.locator(".project-actions").inner_text()
    page.get_by_role("link", name="Zum Vergleich hinzufügen").click()
    page.wait_for_url(re.compile(rf"/nachnutzen/vergleich/\?p={first.pk}&p={second.pk}$"))

    table = page.get_by_role("table", name="Vergleich von 2 Projekten")
    headers = table.locator("thead th[scope=col]").all_inner_texts()
    assert headers[1:] == ["Fernwartung der Straßenbeleuchtung", "Laternen-Monitoring in der Großstadt"]
    budget = table.locator("tr", has=page.locator("th", has_text="Gesamtbudget")).locator("td").all_inner_texts()
    assert budget == ["180.000 €", "2.500.000 €"]
    assert axe() == []

    # Every row differs here, so "Nur Zeilen mit Unterschieden" has nothing to hide and stays hidden.
    expect(page.get_by_label("Nur Zeilen mit Unterschieden zeigen")).to_be_hidden()

    # On a phone the table scrolls inside its container, not the page.
    page.set_viewport_size({"width": 360, "height": 740})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    assert page.locator(".compare-wrap").evaluate("el => el.scrollWidth > el.clientWidth")

    page.get_by_role("link", name=re.compile(r"^Entfernen\W+Laternen-Monitoring in der Großstadt$")).click()
    page.wait_for_url(re.compile(rf"\?p={first.pk}$"))
    expect(page.locator(".message[role=status]")).to_be_visible()
    assert page.third_party_requests == []


def test_only_differences_hides_equal_rows(page, live_server, projects):
    second = projects[1]
    third = ProjectPage.objects.get(external_id="projekt-test-buxtehude")
    page.goto(f"{live_server.url}/nachnutzen/vergleich/?p={second.pk}&p={third.pk}")
    goal = page.locator("tr.compare-row--zielerreichung")  # neither has an evaluation
    expect(goal).to_be_visible()
    page.get_by_label("Nur Zeilen mit Unterschieden zeigen").check()
    expect(goal).to_be_hidden()
    expect(page.locator("tr.compare-row--status")).to_be_visible()
    page.get_by_label("Nur Zeilen mit Unterschieden zeigen").uncheck()
    expect(goal).to_be_visible()
