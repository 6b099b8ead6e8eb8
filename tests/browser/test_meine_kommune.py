"""The replication journey in a real browser, as a small town's officer takes it: set "meine
Kommune" to a Landgemeinde, open "Projekte für …", a project, its Nachnutzen checklist (tick
items), and put two projects side by side. axe-core on every page on the way."""

import re

import pytest

from cms.projects.models import ProjectPage
from tests.comparable.test_projects_for import BOITZENBURGER_LAND, LYCHEN
from tests.comparable.test_projects_for import content as projects_content  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(projects_content):  # noqa: F811
    village = ProjectPage.objects.get(lead_municipality__ags=BOITZENBURGER_LAND)
    other = ProjectPage.objects.exclude(pk=village.pk).get()
    return village, other


def test_landgemeinde_finds_comparable_projects_checklist_and_compare(page, axe, live_server, journey):
    village, other = journey
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Projekte für Ihre Kommune finden").click()
    page.wait_for_url("**/meine-kommune/")
    assert axe() == []

    page.get_by_label("Ihre Kommune (Name oder Gemeindeschlüssel)").fill("Lychen")
    page.get_by_role("button", name="Kommune wählen").click()
    page.wait_for_url(f"**/projekte-fuer/{LYCHEN}/")
    assert page.locator("h1").inner_text().endswith("Projekte für Lychen")
    assert axe() == []
    results = page.locator("main h3 a")
    # The Landgemeinde in the same district ranks first, and the page says why in words.
    assert results.first.inner_text() == village.title
    assert "Landgemeinde wie Sie" in page.locator("main").inner_text()

    results.first.click()
    page.wait_for_url(f"**{village.url}*")
    page.get_by_role("link", name="Nachnutzen: Checkliste für Ihre Kommune").click()
    page.wait_for_url(re.compile(rf"/nachnutzen/{village.pk}/"))
    assert "Lychen" in page.locator("main").inner_text(), "the checklist knows the visitor's Kommune"
    boxes = page.get_by_role("checkbox")
    assert boxes.count() >= 3
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.reload()
    assert boxes.nth(0).is_checked() and boxes.nth(1).is_checked() and not boxes.nth(2).is_checked()
    assert axe() == []

    page.goto(live_server.url + village.url)
    page.get_by_role("link", name="Zum Vergleich hinzufügen").click()
    page.goto(live_server.url + other.url)
    page.get_by_role("link", name="Zum Vergleich hinzufügen").click()
    page.wait_for_url(re.compile(rf"/nachnutzen/vergleich/\?p={village.pk}&p={other.pk}$"))
    headers = page.locator("table.compare-table thead th a")
    assert headers.all_inner_texts() == [village.title, other.title]
    assert axe() == []
    assert page.third_party_requests == []
