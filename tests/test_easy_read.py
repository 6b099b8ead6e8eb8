"""BITV 2.0: Leichte Sprache, Gebärdensprache (linked from the start page and every footer) and "Barriere melden"."""

import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from cms.core.easy_read import same_host_path

pytestmark = pytest.mark.django_db

BARRIER_URL = "/barrierefreiheit/melden/"


@pytest.fixture(autouse=True)
def clean_cache():
    """Rate-limit counters live in the process-wide locmem cache; each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


def valid_report(**changes) -> dict:
    data = {
        "page": "/suche/",
        "barrier": "Die Filter der Suche lassen sich mit der Tastatur nicht öffnen.",
        "email": "lena.leser@example.org",
        "website": "",
    }
    data.update(changes)
    return data


def test_urls_are_the_promised_ones():
    assert reverse("leichte_sprache") == "/leichte-sprache/"
    assert reverse("gebaerdensprache") == "/gebaerdensprache/"
    assert reverse("barrier_report") == BARRIER_URL


def test_leichte_sprache_page(client, site):
    response = client.get("/leichte-sprache/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<div class="easy-read" lang="de">', html)
    assert "css/easy-read.css" in html
    assert "<h1>Leichte Sprache</h1>" in html
    for heading in ("Was ist diese Internet-Seite?", "So finden Sie Projekte", "So zeigen Sie ein Projekt"):
        assert f"<h2>{heading}</h2>" in html
    for target in ("/suche/", "/zugang/", BARRIER_URL, "/barrierefreiheit/", "/impressum/", "/gebaerdensprache/"):
        assert f'href="{target}' in html, target
    assert 'style="' not in html


def test_gebaerdensprache_without_video_says_so(client, site):
    response = client.get("/gebaerdensprache/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="easy-read" lang="de">' in html
    assert "<h1>Gebärdensprache</h1>" in html
    assert "Das Video in Deutscher Gebärdensprache wird gerade erstellt. Bis dahin" in html
    assert "<video" not in html
    # The transcript is there anyway.
    assert "Der Inhalt des Videos als Text" in html and "Smart-City-Plattform" in html


@override_settings(SIGN_LANGUAGE_VIDEO_URL="/static/dgs/plattform.mp4", SIGN_LANGUAGE_CAPTIONS_URL="/static/dgs/de.vtt")
def test_gebaerdensprache_with_video(client, site):
    html = client.get("/gebaerdensprache/").content.decode()
    assert re.search(r'<video class="easy-read__video" controls [^>]*src="/static/dgs/plattform.mp4"', html)
    assert '<track kind="captions" src="/static/dgs/de.vtt" srclang="de"' in html
    assert "wird gerade erstellt" not in html


@override_settings(
    SIGN_LANGUAGE_VIDEO_URL="https://www.youtube.com/embed/abc", SIGN_LANGUAGE_CAPTIONS_URL="//cdn.example/x"
)
def test_gebaerdensprache_ignores_other_hosts(client, site):
    html = client.get("/gebaerdensprache/").content.decode()
    assert "youtube" not in html and "cdn.example" not in html
    assert "wird gerade erstellt" in html


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/media/dgs.mp4", "/media/dgs.mp4"),
        ("//evil.example/x.mp4", ""),
        ("https://evil.example/x.mp4", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_same_host_path(value, expected):
    assert same_host_path(value) == expected


def test_linked_from_home_page_and_every_footer(client, site):
    home = client.get("/").content.decode()
    nav = re.search(r'<nav class="home-easy-read".*?</nav>', home, re.S)
    assert nav, "a section near the top of the start page"
    assert '<a href="/leichte-sprache/">Leichte Sprache</a>' in nav.group(0)
    assert '<a href="/gebaerdensprache/">Gebärdensprache</a>' in nav.group(0)
    other = client.get("/impressum/").content.decode()
    footer = other[other.index('<footer class="site-footer">') :]
    for link in (
        '<a href="/leichte-sprache/">Leichte Sprache</a>',
        '<a href="/gebaerdensprache/">Gebärdensprache</a>',
        f'<a href="{BARRIER_URL}">Barriere melden</a>',
    ):
        assert link in footer


def test_barrier_form_renders(client, site):
    response = client.get(BARRIER_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Barriere melden</h1>" in html and 'name="csrfmiddlewaretoken"' in html
    assert "css/forms.css" in html and "Datenschutz:" in html
    assert "<script>" not in html and 'style="' not in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@override_settings(ACCESSIBILITY_FEEDBACK_EMAIL="barrierefreiheit@example.de")
def test_valid_report_is_relayed_once_and_thanks(client, site):
    response = client.post(BARRIER_URL, valid_report())
    assert response.status_code == 302 and response["Location"] == reverse("barrier_thanks")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["barrierefreiheit@example.de"]
    assert message.reply_to == ["lena.leser@example.org"]
    assert "Die Filter der Suche" in message.body and "/suche/" in message.body
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Vielen Dank für Ihre Meldung" in thanks.content.decode()
    # The address never reaches the visitor.
    assert "barrierefreiheit@example.de" not in client.get(BARRIER_URL).content.decode()


def test_report_without_optional_fields(client, site, settings):
    settings.ACCESSIBILITY_FEEDBACK_EMAIL = ""
    response = client.post(BARRIER_URL, valid_report(page="", email=""))
    assert response.status_code == 302
    assert mail.outbox[0].to == [settings.DEFAULT_FROM_EMAIL] and mail.outbox[0].reply_to == []


def test_invalid_report_shows_german_errors(client, site):
    response = client.post(BARRIER_URL, valid_report(barrier="", email="kein-at", page="https://evil.example/seite"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="message message--error form-error-summary"' in html
    assert "Bitte prüfen Sie 3 Angaben" in html
    assert "Bitte beschreiben Sie die Barriere." in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in html
    assert "Bitte geben Sie die Adresse einer Seite dieser Plattform an" in html
    assert 'href="#barriere-barrier"' in html
    assert mail.outbox == []


def test_too_long_report_and_line_break_in_page(client, site):
    response = client.post(BARRIER_URL, valid_report(barrier="x" * 3001, page="/suche/\r\nBcc: x@example.org"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "höchstens 3000 Zeichen lang sein (derzeit 3001 Zeichen)" in html
    assert "keinen Zeilenumbruch" in html
    assert mail.outbox == []


def test_full_address_of_this_host_is_accepted(client, site):
    response = client.post(BARRIER_URL, valid_report(page="http://testserver/karte/"), HTTP_HOST="testserver")
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_honeypot_looks_like_success_but_sends_nothing(client, site):
    response = client.post(BARRIER_URL, valid_report(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == reverse("barrier_thanks")
    assert mail.outbox == []


@override_settings(CONTACT_RELAY_LIMIT_PER_CLIENT=(2, 3600))
def test_rate_limit_like_the_contact_form(client, site):
    for _ in range(2):
        assert client.post(BARRIER_URL, valid_report()).status_code == 302
    response = client.post(BARRIER_URL, valid_report())
    assert response.status_code == 429
    assert "Zu viele Meldungen" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 2
    other = client.post(BARRIER_URL, valid_report(), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302 and len(mail.outbox) == 3


def test_mail_failure_keeps_the_text_and_says_so(client, site):
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPException("down")):
        response = client.post(BARRIER_URL, valid_report())
    assert response.status_code == 200
    html = response.content.decode()
    assert "konnte gerade nicht zugestellt werden" in html and "Die Filter der Suche" in html


def test_accessibility_statement_links_to_the_form_and_both_pages(client, site):
    html = client.get("/barrierefreiheit/").content.decode()
    main = html[html.index('<main id="inhalt"') : html.index("</main>")]
    for target in (BARRIER_URL, "/leichte-sprache/", "/gebaerdensprache/"):
        assert f'href="{target}"' in main, target
