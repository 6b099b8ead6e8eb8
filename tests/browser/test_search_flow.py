"""A visitor searches, ticks a facet, removes it again and opens a result, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from cms.exchange.importer import import_files
from search.engines import get_engine
from tests.factories import add_grossstadt_project, bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def indexed_content(site, exchange_dir):
    get_engine().clear()
    data = add_grossstadt_project(bundle())
    import_files([write_bundle(exchange_dir, data)])  # publishing indexes through the outbox


def test_search_tick_facet_remove_chip_open_result(page, live_server, indexed_content):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Wonach suchen Sie?").fill("Laternen")
    page.get_by_role("searchbox", name="Wonach suchen Sie?").press("Enter")
    page.wait_for_url(re.compile(r"/suche/\?q=Laternen"))
    results = page.locator("ol.results > li")
    assert results.count() >= 2
    expect(page.get_by_role("heading", level=2, name=re.compile(r"Treffer"))).to_be_visible()

    # Ticking a facet value applies it (progressive enhancement submits the form).
    page.get_by_label(re.compile(r"^Kleinstadt")).check()
    page.wait_for_url(re.compile(r"size_class=kleinstadt"))
    titles = page.locator("ol.results h3").all_inner_texts()
    assert titles and all("Großstadt" not in t for t in titles)
    assert "Fernwartung der Straßenbeleuchtung" in titles
    chip = page.locator("a.chip", has_text="Kleinstadt")
    expect(chip).to_be_visible()

    # The chip removes the filter again; the URL holds the whole state.
    chip.click()
    page.wait_for_url(lambda url: "size_class" not in url)
    assert page.locator("ol.results > li").count() >= 2

    page.get_by_role("link", name="Fernwartung der Straßenbeleuchtung").first.click()
    assert "Fernwartung der Straßenbeleuchtung" in page.locator("h1").inner_text()
    expect(page.locator(".demo-notice")).to_be_visible()
    similar = page.get_by_role("region", name="Ähnliche Projekte")
    assert "Laternen-Monitoring in der Großstadt" in similar.inner_text()
    assert page.third_party_requests == []


def test_search_works_without_javascript(chromium_browser, live_server, indexed_content):
    context = chromium_browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + "/suche/?q=Laternen")
    page.get_by_label(re.compile(r"^Kleinstadt")).check()
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_url(re.compile(r"size_class=kleinstadt"))
    assert "Fernwartung der Straßenbeleuchtung" in page.locator("ol.results").inner_text()
    context.close()
