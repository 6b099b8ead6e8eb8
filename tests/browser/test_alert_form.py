"""The alert forms in a real browser: axe-core clean (empty, with errors, after sending, confirming),
and no request to another host."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from cms.core.site_setup import section
from cms.projects.models import MunicipalityPage, ProjectPage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_subscribe_form_is_accessible_and_stays_on_this_host(page, axe, live_server, site):
    page.goto(live_server.url + "/benachrichtigungen/suche/?q=Laternen&content_type=projekt&size_class=kleinstadt")
    assert page.locator("h1").inner_text() == "Diese Suche abonnieren"
    watched = page.locator(".alert-watch").inner_text()
    assert "„Laternen“" in watched and "Projekt-Steckbrief" in watched and "Kleinstadt" in watched
    assert axe() == []

    # Sent empty: a summary linking to the fields, each field marked invalid.
    page.get_by_role("button", name="Suche abonnieren").click()
    expect(page.get_by_role("alert").filter(has_text="Bitte prüfen Sie")).to_be_visible()
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    assert axe() == []

    page.get_by_label("Ihre E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("group", name="Wie oft möchten Sie benachrichtigt werden?").get_by_label(
        "täglich", exact=False
    ).check()
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Suche abonnieren").click()
    page.wait_for_url("**/benachrichtigungen/angefordert/")
    assert "Bitte bestätigen Sie" in page.locator("h1").inner_text()
    assert axe() == []

    # The confirmation page behind the link, and the page after confirming.
    link = re.search(r"https?://[^/\s]+(/benachrichtigungen/bestaetigen/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    assert axe() == []
    page.get_by_role("button", name="Bestätigen").click()
    assert page.locator("h1").inner_text() == "Benachrichtigung bestätigt"
    assert axe() == []
    assert page.third_party_requests == []


def test_follow_form_is_accessible(page, axe, live_server, site, municipalities):
    municipality = MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=municipality)
    municipality.save_revision().publish()
    project = ProjectPage(
        title="Fernwartung der Laternen", summary="LED-Laternen über Funk.", start_date=date(2024, 1, 1)
    )
    municipality.add_child(instance=project)
    project.save_revision().publish()

    page.goto(live_server.url + project.url)
    page.get_by_role("link", name="Projekt folgen").click()
    page.wait_for_url(f"**/benachrichtigungen/projekt/{project.pk}/")
    assert "Fernwartung der Laternen" in page.locator("h1").inner_text()
    assert axe() == []
    assert page.third_party_requests == []
