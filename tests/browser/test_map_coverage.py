"""The project map and the coverage page in a real browser: axe-core, privacy by default, keyboard."""

import pytest
from playwright.sync_api import expect

from cms.exchange.importer import import_files
from search.engines import get_engine
from tests.factories import add_grossstadt_project, bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE_HOST = "https://tile.openstreetmap.org/"


@pytest.fixture
def content(site, exchange_dir):
    """Two projects in two municipalities (Bad Endorf, München), indexed through the outbox."""
    get_engine().clear()
    data = add_grossstadt_project(bundle(), status="uebertragen")
    import_files([write_bundle(exchange_dir, data)])


def errors_of(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_map_passes_axe_before_and_after_loading_and_asks_nobody_until_asked(page, axe, live_server, content):
    errors = errors_of(page)
    page.goto(live_server.url + "/karte/")
    assert page.locator("h1").count() == 1
    expect(page.get_by_text("Kartenkacheln werden von OpenStreetMap geladen")).to_be_visible()
    load = page.get_by_role("button", name="Karte laden")
    expect(load).to_be_visible()
    assert page.locator("#map-unload").is_hidden() and page.locator("#project-map").is_hidden()
    assert axe() == []
    # Privacy by default: not a single request to another server before the click.
    assert page.third_party_requests == []
    assert page.evaluate("typeof window.L") == "undefined"  # not even Leaflet is loaded yet

    load.click()
    page.locator(".leaflet-container").wait_for()
    markers = page.locator(".map-marker")
    markers.first.wait_for()
    assert page.get_by_role("status").inner_text().startswith("Karte geladen: 2 Projekte in 2 Kommunen")
    assert page.get_by_role("button", name="Karte ausschalten").is_visible() and load.is_hidden()
    # Leaflet and the cluster plugin come from this site; only tiles go elsewhere (and are blocked here).
    assert all(url.startswith(TILE_HOST) for url in page.third_party_requests)
    assert page.evaluate("window.L.version") == "1.9.4"
    # OpenStreetMap's tile policy wants a Referer: the site's origin, never the page's path.
    tile = page.locator("img.leaflet-tile").first
    tile.wait_for(state="attached")
    assert tile.get_attribute("referrerpolicy") == "strict-origin-when-cross-origin"
    violations = axe()
    assert violations == []
    assert errors == []


def test_marker_popup_lists_the_projects(page, live_server, content):
    page.goto(live_server.url + "/karte/?size_class=grossstadt")
    page.get_by_role("button", name="Karte laden").click()
    marker = page.get_by_role("button", name="München: 1 Projekt")
    marker.wait_for()
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    assert "Laternen-Monitoring in der Großstadt" in popup.inner_text()
    link = popup.get_by_role("link", name="Laternen-Monitoring in der Großstadt")
    expect(link).to_be_visible()
    # From the keyboard: focus moves into the popup, Escape closes it and returns to the marker.
    assert page.evaluate("document.activeElement.textContent") == "Laternen-Monitoring in der Großstadt"
    page.keyboard.press("Escape")
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('map-marker')")


def test_map_choice_lasts_for_the_tab_and_can_be_withdrawn(page, live_server, content):
    page.goto(live_server.url + "/karte/")
    page.get_by_role("button", name="Karte laden").click()
    page.locator(".leaflet-container").wait_for()
    page.goto(live_server.url + "/karte/?size_class=kleinstadt")
    page.locator(".map-marker").first.wait_for()  # loads again without another click
    page.get_by_role("button", name="Karte ausschalten").click()
    assert page.locator("#project-map").is_hidden()
    before = len(page.third_party_requests)
    page.reload()
    expect(page.get_by_role("button", name="Karte laden")).to_be_visible()
    assert page.locator(".leaflet-container").count() == 0
    assert len(page.third_party_requests) == before


def test_list_alternative_is_reachable_by_keyboard(page, live_server, content):
    page.goto(live_server.url + "/karte/")
    # Straight through the page with Tab: the filters, the map's buttons, then the list's links.
    reached = None
    for _ in range(200):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "(() => { const a = document.activeElement;"
            " return a.closest('#projekt-liste') && a.tagName === 'A' ? a.textContent.trim() : null; })()"
        )
        if inside:
            reached = inside
            break
    assert reached in ("Fernwartung der Straßenbeleuchtung", "Laternen-Monitoring in der Großstadt")
    # And the shortcut over the map.
    page.goto(live_server.url + "/karte/")
    page.get_by_role("link", name="Karte überspringen, direkt zur Liste der Projekte").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#projekt-liste') !== null")
    list_region = page.get_by_role("region", name="Projekte als Liste")
    expect(list_region.get_by_role("link", name="Laternen-Monitoring in der Großstadt")).to_be_visible()


def test_map_works_without_javascript(chromium_browser, live_server, content):
    context = chromium_browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + "/karte/")
    expect(page.get_by_role("link", name="Fernwartung der Straßenbeleuchtung")).to_be_visible()
    assert page.locator("#map-load").is_hidden()  # a button that cannot work is not shown
    assert page.locator("#map-unload").is_hidden()
    expect(page.get_by_text("Kartenkacheln werden von OpenStreetMap geladen")).to_be_visible()
    page.get_by_label("Kleinstadt").check()
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_url("**/karte/?*size_class=kleinstadt*")
    assert page.get_by_role("link", name="Laternen-Monitoring in der Großstadt").count() == 0
    context.close()


def test_coverage_page_passes_axe(page, axe, live_server, content):
    page.goto(live_server.url + "/abdeckung/")
    assert page.locator("h1").count() == 1
    assert page.locator("table").count() == 5  # the coverage tables, and transfers by size class
    expect(page.get_by_role("link", name="3.3 in Landgemeinden: 0 Projekte")).to_be_visible()
    assert axe() == []
    assert page.third_party_requests == []
    # A number is a link to its search.
    page.locator("#tabelle-projekte tr[data-code='3.3'] td").nth(2).get_by_role("link").click()
    page.wait_for_url("**/suche/?guideline=3.3&size_class=kleinstadt&content_type=projekt")
    assert "Fernwartung der Straßenbeleuchtung" in page.locator("ol.results").inner_text()


@pytest.mark.parametrize("path", ["/karte/", "/abdeckung/"])
def test_pages_fit_a_phone(chromium_browser, live_server, content, path):
    context = chromium_browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    phone = context.new_page()
    phone.goto(live_server.url + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 360px width"
    context.close()
