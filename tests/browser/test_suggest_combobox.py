"""The search box's suggestions as an ARIA combobox: typed with a typo, chosen by keyboard, checked by axe."""

import re

import pytest
from playwright.sync_api import expect

from cms.exchange.importer import import_files
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def indexed_content(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])  # publishing indexes through the outbox


def press_down_until_selected(box, option, presses: int = 20) -> None:
    for _ in range(presses):
        if option.get_attribute("aria-selected") == "true":
            return
        box.press("ArrowDown")
    pytest.fail(f"{option} never selected with the arrow keys")


def test_suggestions_by_keyboard(page, axe, live_server, indexed_content):
    page.goto(live_server.url + "/suche/")
    box = page.get_by_role("combobox", name="Wonach suchen Sie?")
    listbox = page.get_by_role("listbox", name="Vorschläge")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-controls", "search-suggestions")

    box.press_sequentially("Strasenbel")  # one letter missing: suggested all the same
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    projects = listbox.get_by_role("group", name="Projekte")
    option = projects.get_by_role("option", name=re.compile("Fernwartung der Straßenbeleuchtung"))
    expect(option).to_be_visible()
    assert axe() == []

    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(box).to_be_focused()  # the focus stays in the field
    box.press("ArrowUp")  # wraps to the last option
    expect(listbox.get_by_role("option").last).to_have_attribute("aria-selected", "true")
    assert axe() == []

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(box).to_have_value("Strasenbel")

    box.press("ArrowDown")  # opens the list again, on the first option
    expect(listbox).to_be_visible()
    press_down_until_selected(box, option)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/suche/\?q=Fernwartung"))
    expect(page.locator("ol.results")).to_contain_text("Fernwartung der Straßenbeleuchtung")

    # A municipality opens the projects that suit it.
    box = page.get_by_role("combobox", name="Wonach suchen Sie?")
    box.fill("")
    box.press_sequentially("Bad End")
    kommune = page.get_by_role("group", name="Kommunen").get_by_role("option", name=re.compile("Bad Endorf"))
    expect(kommune).to_be_visible()
    press_down_until_selected(box, kommune)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/projekte-fuer/09187128/"))
    assert page.third_party_requests == []
