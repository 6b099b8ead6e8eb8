"""The request form in a real browser: axe-core clean, with and without errors, and the datalist."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.access.test_access_requests import make_namesake

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_form_is_accessible_empty_with_errors_and_with_candidates(page, axe, live_server, site, municipalities):
    template = municipalities["09187128"]
    make_namesake(template, "09187998")
    make_namesake(template, "09187999")

    page.goto(live_server.url + "/zugang/")
    assert page.locator("h1").count() == 1
    assert axe() == []

    # Submitting the empty form: summary on top, focused, linking to the fields.
    page.get_by_role("button", name="Anfrage absenden").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    # The deferred script moves focus once it runs; wait for it (fails after the default timeout).
    # expect() polls from Playwright's own script: a string predicate would be eval'd in the page,
    # which the site's CSP forbids.
    expect(summary).to_be_focused()
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    assert axe() == []

    page.get_by_label("Ihr Name").fill("Erika Beispiel")
    page.get_by_label("Dienstliche E-Mail-Adresse").fill("erika@bad-endorf.de")
    page.locator("#id_municipality_query").fill("Neustadt")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Anfrage absenden").click()
    group = page.get_by_role("group", name="Welche Kommune meinen Sie?")
    expect(group.get_by_role("radio")).to_have_count(2)
    assert axe() == []

    group.get_by_label("Neustadt (Rosenheim, Bayern, 09187999)").check()
    page.get_by_role("button", name="Anfrage absenden").click()
    page.wait_for_url("**/zugang/danke/")
    assert "Vielen Dank" in page.locator("h1").inner_text()
    assert axe() == []
    assert page.third_party_requests == []


def test_datalist_suggests_municipalities(page, live_server, site):
    page.goto(live_server.url + "/zugang/")
    page.locator("#id_municipality_query").press_sequentially("Buxt", delay=30)
    options = page.locator("#municipality-suggestions option")
    options.first.wait_for(state="attached")
    assert options.first.get_attribute("value") == "Buxtehude (Stade, Niedersachsen, 03359010)"
