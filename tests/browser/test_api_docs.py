"""The API's docs page (/api/v1/docs) in a real browser: axe-clean, keyboard-usable, nothing from another host."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_pass_axe_and_stay_on_this_host(page, axe, live_server, site):
    response = page.goto(live_server.url + "/api/v1/docs")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Programmierschnittstelle (API)"
    assert axe() == []
    # Narrow (320 CSS px, as at 400 % zoom): the examples wrap instead of widening the page.
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe() == []
    page.set_viewport_size({"width": 1280, "height": 900})
    # Every endpoint has its section, reached from the list of endpoints.
    links = page.locator("nav[aria-labelledby='endpunkte-heading'] a")
    assert links.count() >= 11
    page.locator("a[href='#fehler']").first.click()
    assert page.evaluate("location.hash") == "#fehler"
    # The example request of the search leads to the JSON it documents, on this server.
    example = page.locator("a", has_text="GET " + live_server.url + "/api/v1/search/").first
    assert example.get_attribute("href").startswith(live_server.url + "/api/v1/search/?")
    assert page.third_party_requests == []


def test_footer_link_leads_to_the_docs(page, live_server, site):
    page.goto(live_server.url + "/")
    page.locator("footer").get_by_role("link", name="Programmierschnittstelle (API)").click()
    page.wait_for_url(live_server.url + "/api/v1/docs")
    assert page.third_party_requests == []
