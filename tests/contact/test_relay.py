"""The contact relay: visitors reach a project's contact person without ever seeing the address."""

import json
import re
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction

from cms.contact.models import ContactRelayLog, RelayReason, RelayStatus, hash_sender
from cms.exchange.importer import import_files
from cms.projects.models import MunicipalityPage, ProjectPage
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db

ADDRESS = "erika.beispiel@example.org"
SENDER = "max.muster@example.net"


@pytest.fixture(autouse=True)
def clean_cache():
    """Rate-limit counters live in the (process-wide) locmem cache; each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def project(site, exchange_dir) -> ProjectPage:
    import_files([write_bundle(exchange_dir, bundle())])
    page = ProjectPage.objects.get()
    assert page.live and page.contact_email == ADDRESS
    return page


def url_for(page) -> str:
    return reverse("contact:project", args=[page.pk])


def valid_data(**changes) -> dict:
    data = {
        "name": "Max Muster",
        "email": SENDER,
        "subject": "Frage zu den Funkknoten",
        "message": "Guten Tag,\r\nwelchen Lieferanten haben Sie nach dem Wechsel gewählt?\r\nViele Grüße",
        "website": "",
    }
    data.update(changes)
    return data


def test_project_page_links_to_the_form_but_never_shows_the_address(client, project):
    html = client.get(project.url).content.decode()
    assert "Kontakt aufnehmen" in html
    assert "Klimaschutzmanagerin" in html and "Erika Beispiel" in html  # role and name are public
    assert ADDRESS not in html and "erika.beispiel" not in html
    assert "mailto:" not in html
    # The form is on its own page: the project page carries no per-visitor CSRF token.
    assert f'<a class="button" href="{url_for(project)}">Nachricht schreiben</a>' in html
    assert "csrfmiddlewaretoken" not in html and "<form" not in html.split('id="kontakt"')[1]


def test_form_page_offers_the_form_but_never_the_address(client, project):
    response = client.get(url_for(project))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Kontakt aufnehmen" in html and "Fernwartung der Straßenbeleuchtung" in html
    assert f'action="{url_for(project)}"' in html
    assert "Klimaschutzmanagerin" in html and "Erika Beispiel" in html
    assert ADDRESS not in html and "erika.beispiel" not in html
    assert "mailto:" not in html
    assert "csrfmiddlewaretoken" in html
    assert f'href="{project.url}"' in html  # back to the project
    # The honeypot is out of sight, out of the tab order and out of the accessibility tree.
    honeypot = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', html, re.S).group(1)
    assert "Bitte lassen Sie dieses Feld leer." in honeypot
    assert 'name="website"' in honeypot and 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert "Datenschutz" in html  # privacy note


def test_address_is_not_in_the_search_document(project):
    from search.documents import project_document

    document = json.dumps(project_document(project), ensure_ascii=False)
    assert ADDRESS not in document and "erika.beispiel" not in document


def test_no_form_for_a_project_without_contact_address(client, project):
    project.contact_email = ""
    project.save()
    html = client.get(project.url).content.decode()
    assert "Kontakt aufnehmen" not in html
    assert client.post(url_for(project), valid_data()).status_code == 404


def test_message_is_relayed_and_only_metadata_logged(client, project):
    response = client.post(url_for(project), valid_data())
    assert response.status_code == 302
    assert response["Location"] == project.url + "#kontakt"

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS]
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL
    assert sent.reply_to == [SENDER]
    assert sent.subject == "[Smart-City-Plattform] Frage zu den Funkknoten"
    assert "welchen Lieferanten haben Sie" in sent.body
    assert "Fernwartung der Straßenbeleuchtung" in sent.body
    assert project.get_full_url() in sent.body
    assert "Smart-City-Plattform weitergeleitet" in sent.body
    assert ADDRESS not in sent.body  # not even the recipient's own address is echoed

    log = ContactRelayLog.objects.get()
    assert log.status == RelayStatus.SENT and log.project_id == project.pk
    assert log.sender_hash == hash_sender(SENDER) and SENDER not in log.sender_hash
    # The log has no place for the message: only these columns exist.
    assert {f.name for f in ContactRelayLog._meta.concrete_fields} == {
        "id",
        "project",
        "created_at",
        "status",
        "reason",
        "sender_hash",
    }
    stored = " ".join(str(getattr(log, f.attname)) for f in ContactRelayLog._meta.concrete_fields)
    assert "Funkknoten" not in stored and "Lieferanten" not in stored and "Max Muster" not in stored

    # Post/Redirect/Get: the project page confirms, as a status message.
    html = client.get(response["Location"]).content.decode()
    assert re.search(r'role="status"[^>]*>\s*Vielen Dank! Ihre Nachricht wurde', html)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("subject", "Hallo\r\nBcc: opfer@example.com", "Der Betreff darf keinen Zeilenumbruch enthalten."),
        ("subject", "Hallo\n", "Der Betreff darf keinen Zeilenumbruch enthalten."),
        ("name", "Max\nBcc: opfer@example.com", "Der Name darf keinen Zeilenumbruch enthalten."),
        ("name", "Max\r", "Der Name darf keinen Zeilenumbruch enthalten."),
    ],
)
def test_line_breaks_in_header_fields_are_refused(client, project, field, value, expected):
    response = client.post(url_for(project), valid_data(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert 'role="alert"' in html
    assert f'aria-describedby="kontakt-{field}_error"' in html
    assert f'id="kontakt-{field}_error"' in html
    assert mail.outbox == []
    log = ContactRelayLog.objects.get()
    assert log.status == RelayStatus.REJECTED and log.reason == RelayReason.LINE_BREAK


def test_oversized_message_is_refused(client, project):
    response = client.post(url_for(project), valid_data(message="x" * 5001))
    html = response.content.decode()
    assert response.status_code == 200
    assert "höchstens 5000 Zeichen" in html and "derzeit 5001 Zeichen" in html
    assert mail.outbox == []


def test_line_endings_count_once(client, project):
    message = "a\r\n" * 2499 + "ab"  # 5000 characters once CRLF is one line break
    assert client.post(url_for(project), valid_data(message=message)).status_code == 302
    assert len(mail.outbox) == 1


def test_long_subject_and_missing_fields_have_clear_messages(client, project):
    response = client.post(url_for(project), {"name": "", "email": "kein-at-zeichen", "subject": "s" * 151})
    html = response.content.decode()
    for expected in (
        "Bitte prüfen Sie Ihre Angaben",
        "Bitte geben Sie Ihren Namen an.",
        "Bitte geben Sie eine gültige E-Mail-Adresse an",
        "Der Betreff darf höchstens 150 Zeichen lang sein",
        "Bitte schreiben Sie eine Nachricht.",
    ):
        assert expected in html, expected
    # The summary links to each field; each field points to its message.
    assert 'href="#kontakt-email"' in html
    assert re.search(r'<input[^>]*aria-describedby="kontakt-email_helptext kontakt-email_error"', html)
    assert 'aria-invalid="true"' in html
    assert mail.outbox == [] and not ContactRelayLog.objects.exists()


def test_honeypot_pretends_success_but_sends_nothing(client, project):
    response = client.post(url_for(project), valid_data(website="https://spam.example"))
    assert response.status_code == 302 and response["Location"] == project.url + "#kontakt"
    assert mail.outbox == []
    html = client.get(response["Location"]).content.decode()
    assert "Vielen Dank! Ihre Nachricht wurde" in html and "message--error" not in html
    log = ContactRelayLog.objects.get()
    assert log.status == RelayStatus.SPAM and log.sender_hash == ""


@override_settings(CONTACT_RELAY_LIMIT_PER_CLIENT=(2, 3600))
def test_rate_limit_per_client(client, project):
    for _ in range(2):
        assert client.post(url_for(project), valid_data()).status_code == 302
    response = client.post(url_for(project), valid_data())
    assert response.status_code == 429
    assert "Zu viele Nachrichten" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 2
    # Another client is not affected.
    other = client.post(url_for(project), valid_data(), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302 and len(mail.outbox) == 3
    assert ContactRelayLog.objects.filter(reason=RelayReason.RATE_LIMIT_CLIENT).count() == 1


@override_settings(CONTACT_RELAY_LIMIT_PER_PROJECT=(2, 86400))
def test_rate_limit_per_project(client, project):
    for address in ("198.51.100.1", "198.51.100.2"):
        assert client.post(url_for(project), valid_data(), REMOTE_ADDR=address).status_code == 302
    response = client.post(url_for(project), valid_data(), REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 429
    assert "dieses Projekts" in response.content.decode()
    assert len(mail.outbox) == 2


def test_only_live_public_projects_can_be_written_to(client, project):
    home = Page.objects.get(depth=2)
    municipality = MunicipalityPage.objects.get()
    for page_id in (home.pk, municipality.pk, 999999):
        assert client.post(f"/kontakt/projekt/{page_id}/", valid_data()).status_code == 404
    restriction = PageViewRestriction.objects.create(page=project, restriction_type=PageViewRestriction.LOGIN)
    assert client.post(url_for(project), valid_data()).status_code == 404
    restriction.delete()
    project.unpublish()
    assert client.post(url_for(project), valid_data()).status_code == 404
    assert mail.outbox == []


def test_get_shows_the_form_and_other_methods_are_refused(client, project):
    response = client.get(url_for(project))
    assert response.status_code == 200 and 'class="contact-form"' in response.content.decode()
    assert client.head(url_for(project)).status_code == 200
    assert client.put(url_for(project)).status_code == 405
    assert mail.outbox == []


def test_csrf_is_required(project):
    client = Client(enforce_csrf_checks=True)
    assert client.post(url_for(project), valid_data()).status_code == 403
    assert mail.outbox == []


def test_mail_failure_shows_a_friendly_error_and_is_logged(client, project):
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected("Verbindung verloren")
    ):
        response = client.post(url_for(project), valid_data())
    assert response.status_code == 200
    html = response.content.decode()
    assert "konnte gerade nicht zugestellt werden" in html
    assert 'role="alert"' in html
    assert 'value="Frage zu den Funkknoten"' in html  # nothing the visitor typed is lost
    assert ADDRESS not in html
    log = ContactRelayLog.objects.get()
    assert log.status == RelayStatus.FAILED and log.reason == RelayReason.MAIL_ERROR
    # A failure does not use up the visitor's quota.
    with override_settings(CONTACT_RELAY_LIMIT_PER_CLIENT=(1, 3600)):
        assert client.post(url_for(project), valid_data()).status_code == 302
    assert len(mail.outbox) == 1


def test_old_log_rows_are_purged(project):
    old = ContactRelayLog.objects.create(project=project, status=RelayStatus.SENT)
    ContactRelayLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    recent = ContactRelayLog.objects.create(project=project, status=RelayStatus.SENT)
    call_command("purge_contact_relay_log", days=90, stdout=open("/dev/null", "w"))
    assert list(ContactRelayLog.objects.all()) == [recent]
