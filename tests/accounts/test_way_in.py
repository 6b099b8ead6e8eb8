"""The way in for staff: login links on the public site, a login page branded as the platform and
German for every browser, and an "Erste Schritte" guide per role linked from the dashboard."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.urls import reverse

from cms.accounts.first_steps import user_roles
from tests.accounts.base import RolesTestCase

LOGIN_URL = "/admin/login/"
LOGO = "/static/img/plattform-logo.svg"
ENGLISH_BROWSER = "en-US,en;q=0.9"

KOMMUNE_STEPS = (
    "Steckbrief anlegen",
    "Pflichtfelder ausfüllen",
    "Was die Redaktion prüft",
    "Erfahrungsbericht schreiben",
)
FORSCHUNG_STEPS = ("Evaluationsbericht schreiben", "Leitfaden verfassen", "Checkliste oder Prüfraster anlegen")
REDAKTION_STEPS = ("Prüfen und Freigeben", "Zugangsanfragen bearbeiten")


class VisibleText(HTMLParser):
    """The text a sighted user reads: without scripts, styles, templates and <noscript>."""

    HIDDEN = {"script", "style", "template", "noscript", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


# -- links to the login on the public site ---------------------------------------------------------
@pytest.mark.django_db
def test_footer_links_to_the_login(client, site):
    html = client.get(reverse("search")).content.decode()
    assert f'<a href="{LOGIN_URL}" rel="nofollow">Anmelden (Redaktion und Kommunen)</a>' in html


@pytest.mark.django_db
def test_access_request_page_offers_the_login(client, site):
    html = client.get(reverse("access:request")).content.decode()
    assert "Sie haben schon Zugang?" in html
    assert f'<a href="{LOGIN_URL}">Anmelden</a>' in html


# -- the login page ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("accept", [ENGLISH_BROWSER, "de-DE"])
def test_login_page_is_german_and_branded(client, site, accept):
    response = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    html = response.content.decode()
    text = VisibleText.of(html)
    assert "Anmelden bei der Smart-City-Erfahrungsplattform" in text
    assert "Benutzername" in text and "Passwort" in text and "Für das nächste Mal merken" in text
    assert "Password" not in text and "Sign in" not in text
    assert "wagtail" not in text.lower()
    assert "<title>Anmelden - Smart-City-Erfahrungsplattform</title>" in html
    assert f'src="{LOGO}"' in html
    assert 'aria-label="Wagtail"' not in html  # Wagtail's bird is gone
    assert '<html lang="de"' in html
    assert response["Content-Language"] == "de"


@pytest.mark.django_db
@override_settings(LANGUAGES=[("de", "Deutsch"), ("en", "English")])
def test_login_page_stays_german_once_the_public_site_speaks_english(client, site):
    """With English offered on the public site, Django would answer an English browser in English."""
    html = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER).content.decode()
    assert "Anmelden bei der Smart-City-Erfahrungsplattform" in html
    assert "Passwort vergessen?" in html
    assert "Forgotten password?" not in html


@pytest.mark.django_db
def test_failed_login_is_answered_in_german(client, site):
    response = client.post(
        LOGIN_URL, {"username": "niemand", "password": "falsch"}, HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER
    )
    text = VisibleText.of(response.content.decode())
    assert "didn't match" not in text
    assert "Ihr Passwort wurden nicht erkannt" in text


def test_admin_offers_only_german():
    from wagtail.admin.localization import get_available_admin_languages

    assert [code for code, _name in get_available_admin_languages()] == ["de"]


# -- "Erste Schritte" ----------------------------------------------------------------------------
class FirstStepsTests(RolesTestCase):
    def dashboard(self, user) -> str:
        self.login(user)
        response = self.client.get(reverse("wagtailadmin_home"), HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def first_steps_text(self, user) -> str:
        self.login(user)
        response = self.client.get(reverse("first_steps"), HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
        self.assertEqual(response.status_code, 200)
        return VisibleText.of(response.content.decode())

    def assertDashboardPanel(self, user):
        html = self.dashboard(user)
        self.assertIn('id="first-steps', html)
        self.assertIn(f'href="{reverse("first_steps")}"', html)
        self.assertIn("Anleitung „Erste Schritte“ öffnen", html)

    def assertSteps(self, text, shown, hidden):
        for step in shown:
            self.assertIn(step, text)
        for step in hidden:
            self.assertNotIn(step, text)

    def test_kommune(self):
        self.assertDashboardPanel(self.kommune_a)
        text = self.first_steps_text(self.kommune_a)
        self.assertIn("Erste Schritte für Kommunen", text)
        self.assertSteps(text, KOMMUNE_STEPS, FORSCHUNG_STEPS + REDAKTION_STEPS)
        html = self.client.get(reverse("first_steps")).content.decode()
        # The create link goes to the user's own municipality, not to another one.
        self.assertIn(reverse("wagtailadmin_pages:add_subpage", args=[self.muni_a.pk]), html)
        self.assertNotIn(reverse("wagtailadmin_pages:add_subpage", args=[self.muni_b.pk]), html)

    def test_forschung(self):
        self.assertDashboardPanel(self.forscher)
        text = self.first_steps_text(self.forscher)
        self.assertIn("Erste Schritte für die Forschung", text)
        self.assertSteps(text, FORSCHUNG_STEPS, KOMMUNE_STEPS + REDAKTION_STEPS)

    def test_redaktion(self):
        self.assertDashboardPanel(self.redakteur)
        text = self.first_steps_text(self.redakteur)
        self.assertIn("Erste Schritte für die Redaktion", text)
        self.assertSteps(text, REDAKTION_STEPS, KOMMUNE_STEPS + FORSCHUNG_STEPS)
        html = self.client.get(reverse("first_steps")).content.decode()
        self.assertIn(f'href="{reverse("zugangsanfragen:index")}"', html)

    def test_admin_pages_carry_the_platform_logo_and_name(self):
        html = self.dashboard(self.kommune_a)
        self.assertIn(f'src="{LOGO}"', html)
        self.assertIn("- Smart-City-Erfahrungsplattform</title>", html)
        # Wagtail's release notes and English editor guide give way to the platform's own guide.
        self.assertNotIn("wagtail.org", html)
        self.assertNotIn("Editor-Handbuch", html)
        self.assertIn(f'href="{reverse("first_steps")}">Erste Schritte</a>', html)

    def test_user_without_role_gets_no_panel_and_a_hint(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        user = get_user_model().objects.create_user("ohne-rolle", "ohne@example.org", "geheim-123")
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
        self.assertEqual(user_roles(user), [])
        self.assertNotIn('id="first-steps', self.dashboard(user))
        self.assertIn("noch keine Rolle", self.first_steps_text(user))

    def test_stored_english_admin_language_is_reset_after_migrate(self):
        """An account that chose English while it was offered gets the German admin again."""
        from wagtail.users.models import UserProfile

        from cms.accounts.admin_language import reset_unpermitted_admin_languages

        profile = UserProfile.get_for_user(self.kommune_b)
        profile.preferred_language = "en"
        profile.save()
        self.assertIn('"label": "Help"', self.dashboard(self.kommune_b))  # Wagtail honours the stored choice
        reset_unpermitted_admin_languages(sender=None)
        profile.refresh_from_db()
        self.assertEqual(profile.preferred_language, "")
        html = self.dashboard(self.kommune_b)
        self.assertIn("Erste Schritte", html)
        self.assertNotIn('"label": "Help"', html)

    def test_guide_needs_a_login(self):
        self.client.logout()
        response = self.client.get(reverse("first_steps"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(LOGIN_URL))
