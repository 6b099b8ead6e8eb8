"""A clerk's day, in a real browser, through the real admin (issue 16, part 6).

From the public home page a municipal editor logs in, creates a Steckbrief from the dashboard,
fills the required fields and submits it; the editorial team approves it from its dashboard;
the project is public and found by the search. Every admin page on the way passes axe-core
(critical and serious findings, except the documented Wagtail ones in ``tests/a11y_known.py``),
and the clicks from the dashboard to the submitted draft are counted: at most 6 besides
filling the required fields (it took 17 clicks and 5 fills from the page explorer before).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cms.accounts.roles import ROLE_KOMMUNE, editorial_group, grant_role, setup_roles
from cms.exchange.importer import import_files
from cms.projects.models import MunicipalityPage, ProjectPage
from search.engines import get_engine
from tests.a11y_known import KNOWN_EDITOR_VIOLATIONS
from tests.factories import bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026"
TITLE = "Quartiersbus Bad Endorf"
MAX_CLICKS = 6
SEVERE = {"critical", "serious"}
KNOWN_RULES = {rule for rule, _page in KNOWN_EDITOR_VIOLATIONS}


@pytest.fixture
def platform(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])
    setup_roles()
    municipality = MunicipalityPage.objects.get(municipality__ags="09187128")
    User = get_user_model()
    editor = User.objects.create_user("kommune-bad-endorf", "kommune@example.org", PASSWORD, first_name="Anna")
    grant_role(editor, ROLE_KOMMUNE, municipality_page=municipality)
    moderator = User.objects.create_user("redaktion", "redaktion@example.org", PASSWORD, first_name="Rita")
    moderator.groups.add(editorial_group())
    return municipality


class Clicks:
    """Counts the clicks a person makes; typing into fields is not counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


def severe(violations: list[dict]) -> list[str]:
    return [v["id"] for v in violations if v["impact"] in SEVERE and v["id"] not in KNOWN_RULES]


def log_in(page, base_url: str, username: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base_url + "/admin/")


def log_out(page, base_url: str) -> None:
    page.goto(base_url + "/admin/")
    page.locator("#wagtail-sidebar").get_by_role("button", name=re.compile("Anna|Rita")).click()
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r"/admin/login/"))


def test_clerk_creates_and_submits_redaktion_approves_and_the_search_finds_it(page, axe, live_server, platform):
    base = live_server.url
    scans: dict[str, list[str]] = {}

    # -- from the public site into the admin ----------------------------------------------------
    page.goto(base + "/")
    page.locator("footer").get_by_role("link", name="Anmelden (Redaktion und Kommunen)").click()
    page.wait_for_url(re.compile(r"/admin/login/"))
    scans["Anmeldung"] = severe(axe())
    log_in(page, base, "kommune-bad-endorf")
    scans["Startseite Kommune"] = severe(axe())

    # -- dashboard → submitted draft, clicks counted -------------------------------------------
    click = Clicks()
    click(page.get_by_role("link", name="Neuen Steckbrief anlegen"))
    page.wait_for_url(re.compile(r"/admin/pages/add/projects/projectpage/\d+/$"))
    scans["Steckbrief anlegen"] = severe(axe())
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("Ein Kleinbus fährt nach Bedarf durch die Ortsteile und zum Bahnhof.")
    click(page.locator("footer").get_by_role("button", name="Zur Prüfung einreichen", exact=True))
    page.wait_for_url(re.compile(r"/admin/"))
    expect(page.locator(".messages")).to_contain_text("zur Prüfung eingereicht")
    scans["nach dem Einreichen"] = severe(axe())
    assert click.count <= MAX_CLICKS, f"{click.count} Klicks vom Dashboard bis zum eingereichten Entwurf"

    project = ProjectPage.objects.get(title=TITLE)
    assert not project.live and project.workflow_in_progress
    assert project.get_parent().pk == platform.pk
    log_out(page, base)

    # -- the editorial team approves from its dashboard ---------------------------------------
    log_in(page, base, "redaktion")
    queue = page.locator("#redaktion-dashboard-section, [id^=redaktion-dashboard]").first
    expect(queue).to_contain_text(TITLE)
    scans["Startseite Redaktion"] = severe(axe())
    queue.get_by_role("link", name=re.compile(re.escape(TITLE))).first.click()
    page.wait_for_url(re.compile(rf"/admin/pages/{project.pk}/edit/"))
    scans["Steckbrief prüfen"] = severe(axe())
    footer = page.locator("footer")
    approve = footer.get_by_role("button", name="Freigeben und veröffentlichen", exact=True)
    if not approve.is_visible():
        footer.get_by_role("button", name="Mehr Aktionen").click()
    approve.click()
    page.wait_for_url(re.compile(r"/admin/"))
    project.refresh_from_db()
    assert project.live
    log_out(page, base)

    assert scans == {name: [] for name in scans}, scans

    # -- the public sees it, and the search finds it ------------------------------------------
    assert page.goto(base + project.url).status == 200
    assert TITLE in page.locator("h1").inner_text()
    page.goto(base + "/suche/?q=Quartiersbus")
    expect(page.locator("ol.results")).to_contain_text(TITLE)
    # Wagtail's admin asks gravatar.com for avatars unless WAGTAIL_GRAVATAR_PROVIDER_URL = None
    # is set; the fixture blocked those requests. Nothing else may leave the site.
    assert [url for url in page.third_party_requests if "gravatar.com/" not in url] == []
