"""/daten/ in a real browser: axe-clean (with its column lists opened), and no request to another host."""

import pytest

from cms.exchange.importer import import_files
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def content(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])


def test_open_data_page_passes_axe_and_stays_on_this_host(page, axe, live_server, content, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    page.goto(live_server.url + "/suche/")
    page.get_by_role("contentinfo").get_by_role("link", name="Offene Daten").click()
    page.wait_for_url(live_server.url + "/daten/")
    assert page.locator("h1").inner_text() == "Offene Daten"
    assert axe() == []

    summaries = page.locator("details > summary")
    assert summaries.count() == 4  # three tables and the search results
    for index in range(summaries.count()):
        summaries.nth(index).click()
    assert page.get_by_role("table").count() == 4
    assert axe() == []

    # A download link answers with the file (fetched here, not navigated to: a download is no page).
    link = page.locator('a[href="/daten/projekte.csv"]')
    assert link.text_content() == "CSV: Projekte"  # the dataset's name is part of the link (visually hidden)
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert page.third_party_requests == []
