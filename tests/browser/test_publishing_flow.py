"""A municipal editor writes a project and submits it; the editorial team approves; the public
site and the search show it. In a real browser, through the real admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from cms.accounts.roles import ROLE_KOMMUNE, editorial_group, grant_role, setup_roles
from cms.exchange.importer import import_files
from cms.projects.models import MunicipalityPage, ProjectPage
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026"
TITLE = "Quartiersbus Bad Endorf"


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


def log_in(page, base_url, username):
    page.goto(base_url + "/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base_url + "/admin/")


def log_out(page, base_url):
    page.goto(base_url + "/admin/")
    page.locator("#wagtail-sidebar").get_by_role("button", name=re.compile("Anna|Rita")).click()
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r"/admin/login/"))


def action_menu_item(page, name):
    """The footer's action menu: the default button, or one behind "Mehr Aktionen"."""
    footer = page.locator("footer")
    item = footer.get_by_role("button", name=name, exact=True)
    if not item.is_visible():
        footer.get_by_role("button", name="Mehr Aktionen").click()
    return item


def test_submit_review_publish_and_find(page, live_server, platform):
    base = live_server.url

    # -- the municipality writes its Steckbrief ------------------------------------------------
    log_in(page, base, "kommune-bad-endorf")
    page.goto(f"{base}/admin/pages/{platform.pk}/add_subpage/")  # one allowed type: straight to the form
    page.wait_for_url(re.compile(r"/admin/pages/add/projects/projectpage/"))
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("Ein Kleinbus fährt nach Bedarf durch die Ortsteile und zum Bahnhof.")
    page.get_by_role("tab", name="Lösung").click()
    page.locator('[data-contentpath="problem"] [contenteditable="true"]').fill("Viele Ortsteile ohne Busanschluss.")
    page.get_by_role("tab", name="Ressourcen").click()
    page.locator("#id_budget_eur").fill("85000")
    page.get_by_role("tab", name="Nachnutzung").click()
    page.locator("#id_transferability").fill("Ein Fahrzeug, eine Buchungs-App und zwei Fahrerinnen.")
    page.get_by_role("tab", name="Kontakt").click()
    page.locator("#id_contact_role").fill("Mobilitätsbeauftragte")

    action_menu_item(page, "Zur Prüfung einreichen").click()
    page.wait_for_url(re.compile(rf"/admin/pages/{platform.pk}/$"))
    assert "zur Moderation eingereicht" in page.locator(".messages").inner_text()

    project = ProjectPage.objects.get(title=TITLE)
    assert not project.live
    assert project.workflow_in_progress
    assert project.get_latest_revision_as_object().budget_eur == 85000
    assert project.get_latest_revision_as_object().contact_role == "Mobilitätsbeauftragte"
    log_out(page, base)

    # Not public before review.
    anonymous = page.context.browser.new_context(locale="de-DE")
    visitor_third_party: list[str] = []

    def only_own_site(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            visitor_third_party.append(route.request.url)
            route.abort()

    anonymous.route("**/*", only_own_site)
    visitor = anonymous.new_page()
    public_url = base + project.url
    assert visitor.goto(public_url).status == 404

    # -- the editorial team approves -----------------------------------------------------------
    log_in(page, base, "redaktion")
    assert TITLE in page.locator("main").inner_text()  # "awaiting your review" on the dashboard
    page.goto(f"{base}/admin/pages/{project.pk}/edit/")
    action_menu_item(page, "Freigeben und Veröffentlichen").click()  # the last task's approval publishes
    page.wait_for_url(re.compile(r"/admin/"))
    project.refresh_from_db()
    assert project.live
    log_out(page, base)

    # -- the public sees it, and the search finds it ------------------------------------------
    response = visitor.goto(public_url)
    assert response.status == 200
    assert TITLE in visitor.locator("h1").inner_text()
    visitor.goto(base + "/suche/?q=Quartiersbus")
    assert TITLE in visitor.locator("ol.results").inner_text()
    anonymous.close()
    assert visitor_third_party == []
    # Wagtail's admin asks gravatar.com for avatars unless WAGTAIL_GRAVATAR_PROVIDER_URL = None
    # is set; the fixture blocked those requests. Nothing else may leave the site.
    assert [url for url in page.third_party_requests if "gravatar.com/" not in url] == []
