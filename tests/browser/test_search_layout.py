"""Results first: the search page and the project map on a 1280 px screen and on a phone.

One page load per width and page; the filter panel is a <details> element, opened by keyboard.
"""

import re

import pytest
from playwright.sync_api import expect

from cms.exchange.importer import import_files
from search.engines import get_engine
from tests.factories import add_grossstadt_project, bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEARCH = "/suche/?q=Laternen&size_class=kleinstadt"  # one selected filter value, at least one hit
MAP = "/karte/?size_class=kleinstadt"


@pytest.fixture
def indexed_content(site, exchange_dir):
    get_engine().clear()
    data = add_grossstadt_project(bundle())
    import_files([write_bundle(exchange_dir, data)])  # publishing indexes through the outbox


def top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box["y"]


def open_by_keyboard(page) -> None:
    """Tab to the "Filter (1 aktiv)" summary as a keyboard user would, and open it with Enter."""
    summary = page.locator("details.filter-panel > summary")
    assert summary.inner_text().strip() == "Filter (1 aktiv)"
    assert page.locator("#filter-body").is_hidden()
    summary.focus()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator("details.filter-panel").evaluate("el => el.open")
    expect(page.get_by_label(re.compile(r"^Kleinstadt"))).to_be_visible()


def test_search_page_results_first_at_desktop_and_phone_width(page, axe, live_server, indexed_content):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + SEARCH)
    first = page.locator("ol.results > li").first
    # Today 434 px (the issue measured 739 before); the margin absorbs other fonts on other machines,
    # while a filter column above the results (about 6,000 px on a phone) could never pass.
    assert top(first) < 520
    filters = page.locator(".filter-layout__filters").bounding_box()
    content = page.locator(".filter-layout").bounding_box()
    assert filters["width"] <= 0.3 * content["width"]
    assert filters["x"] < page.locator(".filter-layout__main").bounding_box()["x"]  # the column is on the left
    expect(page.get_by_label(re.compile(r"^Kleinstadt"))).to_be_visible()  # open beside the results
    assert "Suchmaschine" not in page.locator("main").inner_text()
    assert axe() == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    first = page.locator("ol.results > li").first
    assert top(first) < 844  # within the first screen
    assert top(first) < top(page.locator("details.filter-panel"))
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    open_by_keyboard(page)
    assert axe() == []


def test_map_page_results_first_on_a_phone(page, axe, live_server, indexed_content):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + MAP)
    filters = page.locator(".filter-layout__filters").bounding_box()
    assert filters["width"] <= 0.3 * page.locator(".filter-layout").bounding_box()["width"]
    assert axe() == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    summary_y = top(page.locator("#map-summary"))
    assert summary_y < 844
    assert summary_y < top(page.locator("#map-heading")) < top(page.locator("details.filter-panel"))
    open_by_keyboard(page)
    assert axe() == []
