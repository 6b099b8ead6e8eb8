"""The staff's way in, in a real browser: from the public footer to the platform's login page,
logged in as a municipal editor, to the "Erste Schritte" guide on the dashboard. axe-core finds no
critical or serious violation on the login page or the guide, and nothing loads from another host."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cms.accounts.roles import ROLE_KOMMUNE, grant_role, setup_roles
from cms.exchange.importer import import_files
from cms.projects.models import MunicipalityPage
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026"
SEVERE = {"critical", "serious"}


@pytest.fixture
def kommune_user(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])
    setup_roles()
    municipality = MunicipalityPage.objects.get(municipality__ags="09187128")
    user = get_user_model().objects.create_user("kommune-bad-endorf", "kommune@example.org", PASSWORD)
    grant_role(user, ROLE_KOMMUNE, municipality_page=municipality)
    return user


def severe(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in SEVERE]


def test_footer_login_and_first_steps(page, axe, live_server, kommune_user):
    base = live_server.url
    page.goto(base + "/zugang/")
    page.locator("footer").get_by_role("link", name="Anmelden (Redaktion und Kommunen)").click()
    page.wait_for_url(base + "/admin/login/")

    assert page.get_by_role("heading", level=1).inner_text() == "Anmelden bei der Smart-City-Erfahrungsplattform"
    assert "wagtail" not in page.locator("main").inner_text().lower()
    expect(page.get_by_role("img", name="Logo der Smart-City-Erfahrungsplattform")).to_be_visible()
    assert page.title() == "Anmelden - Smart-City-Erfahrungsplattform"
    assert severe(axe()) == []

    page.get_by_label("Benutzername").fill("kommune-bad-endorf")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/admin/")

    panel = page.locator("#first-steps-section")
    panel.get_by_role("link", name="Anleitung „Erste Schritte“ öffnen").click()
    page.wait_for_url(re.compile(r"/admin/erste-schritte/$"))
    expect(page.get_by_role("heading", name="Erste Schritte für Kommunen")).to_be_visible()
    expect(page.get_by_role("link", name="Neuen Steckbrief anlegen")).to_be_visible()
    assert severe(axe()) == []

    assert page.third_party_requests == []
