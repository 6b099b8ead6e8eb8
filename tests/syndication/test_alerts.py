"""E-mail alerts: subscribe, confirm (double opt-in), digests of what is new, one-click unsubscribe.

The search index is the embedded engine in a temporary directory, filled from the database after
every change (``reindex``), as the outbox would fill it. Time is simulated by moving every
timestamp that matters (publications, the subscription's cut-off) into the past
(``time_passes``), so that a digest can be due without waiting a day.
"""

from __future__ import annotations

import re
import smtplib
from datetime import date, timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from cms.core.site_setup import section
from cms.projects.models import ExperienceReportPage, MunicipalityPage, ProjectPage
from search.documents import all_documents
from search.engines import EngineUnavailable, get_engine, reset_engine
from search.engines.embedded import EmbeddedEngine
from syndication.alerts import purge_unconfirmed
from syndication.digest import due, send_alerts
from syndication.models import MAX_PER_ADDRESS, AlertSubscription, Frequency

pytestmark = pytest.mark.django_db

BASE_URL = "https://plattform.example.org"
ADDRESS = "Erika.Beispiel@Example.org"
SEARCH_FORM = "/benachrichtigungen/suche/?q=Laternen&content_type=projekt"


@pytest.fixture(autouse=True)
def alert_settings(settings):
    settings.WAGTAILADMIN_BASE_URL = BASE_URL
    settings.ALERT_INDEX_MARGIN_SECONDS = 0
    cache.clear()  # rate-limit counters live in the process-wide locmem cache
    yield settings
    cache.clear()


@pytest.fixture
def engine(tmp_path):
    engine = EmbeddedEngine(path=tmp_path / "index")
    reset_engine(engine)
    yield engine
    reset_engine(None)


def reindex(engine) -> None:
    engine.rebuild(list(all_documents()))


def publish(page) -> None:
    page.save_revision().publish()


def new_project(parent, title: str, summary: str) -> ProjectPage:
    project = ProjectPage(title=title, summary=summary, start_date=date(2024, 1, 1))
    parent.add_child(instance=project)
    publish(project)
    return project


def new_report(project: ProjectPage, title: str) -> ExperienceReportPage:
    report = ExperienceReportPage(
        title=title, report_date=date(2025, 5, 2), author_organisation="Gemeinde Bad Endorf", findings="<p>Gut.</p>"
    )
    project.add_child(instance=report)
    publish(report)
    return report


def time_passes(days: float) -> None:
    """Move every publication and every subscription timestamp ``days`` into the past; reindex."""
    delta = timedelta(days=days)
    Page.objects.filter(first_published_at__isnull=False).update(
        first_published_at=F("first_published_at") - delta, last_published_at=F("last_published_at") - delta
    )
    for name in ("confirm_requested_at", "confirmed_at", "digest_cutoff", "last_sent_at"):
        AlertSubscription.objects.filter(**{f"{name}__isnull": False}).update(**{name: F(name) - delta})
    reindex(get_engine())


@pytest.fixture
def municipality(site, municipalities, engine) -> MunicipalityPage:
    page = MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=page)
    publish(page)
    return page


@pytest.fixture
def content(municipality, engine) -> dict:
    """Two projects and a report, published a month before the test starts."""
    lights = new_project(municipality, "Fernwartung der Laternen", "LED-Laternen über Funk steuern.")
    shop = new_project(municipality, "Dorfladen mit Videotür", "Ein Laden, der rund um die Uhr offen hat.")
    report = new_report(lights, "Ein Jahr Fernwartung")
    time_passes(30)
    return {"lights": lights, "shop": shop, "report": report}


def post_form(client, url: str, email: str = ADDRESS, **changes):
    data = {"email": email, "frequency": Frequency.DAILY, "consent": "on", "website": ""}
    data.update(changes)
    return client.post(url, data)


def link_in(message, kind: str) -> str:
    """The path of the confirm or unsubscribe link in a mail (they are absolute, on BASE_URL)."""
    match = re.search(rf"{re.escape(BASE_URL)}(/benachrichtigungen/{kind}/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def subscribe_and_confirm(client, url: str, email: str = ADDRESS, **changes) -> AlertSubscription:
    before = len(mail.outbox)
    response = post_form(client, url, email, **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    confirm_path = link_in(mail.outbox[before], "bestaetigen")
    assert client.post(confirm_path).status_code == 200
    return AlertSubscription.objects.get(email__iexact=email, confirmed_at__isnull=False)


# -- the acceptance flow -------------------------------------------------------------------------


def test_search_alert_end_to_end(client, content, engine):
    # The form says in words what will be watched.
    form = client.get(SEARCH_FORM)
    assert form.status_code == 200 and "no-store" in form["Cache-Control"]
    html = form.content.decode()
    assert "„Laternen“" in html and "Art des Inhalts" in html and "Projekt-Steckbrief" in html
    assert 'name="consent"' in html and "/datenschutz/" in html and "csrfmiddlewaretoken" in html

    # Subscribe: a confirmation mail with the link and the unsubscribe headers; the page asks to confirm.
    response = post_form(client, SEARCH_FORM)
    assert response.status_code == 302 and response["Location"] == "/benachrichtigungen/angefordert/"
    assert "Bitte bestätigen Sie" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert confirmation.to == ["Erika.Beispiel@example.org"]
    assert "Bitte bestätigen" in confirmation.subject and "Laternen" in confirmation.subject
    assert "Suchbegriff: „Laternen“" in confirmation.body and "Art des Inhalts: Projekt-Steckbrief" in confirmation.body
    assert confirmation.extra_headers["List-Unsubscribe"].startswith(f"<{BASE_URL}/benachrichtigungen/abmelden/")
    subscription = AlertSubscription.objects.get()
    assert not subscription.confirmed
    assert subscription.search_params == {"q": ["Laternen"], "content_type": ["projekt"]}

    # Confirm: GET only shows the button (mail scanners open links); the POST confirms.
    confirm_path = link_in(confirmation, "bestaetigen")
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Bestätigen" in page.content.decode()
    subscription.refresh_from_db()
    assert not subscription.confirmed
    assert "Benachrichtigung bestätigt" in client.post(confirm_path).content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed and subscription.digest_cutoff is not None

    # A new matching project is published, a day passes, the digest lists it (and nothing older).
    fresh = new_project(content["lights"].get_parent(), "Laternen mit Bewegungsmeldern", "Licht nur bei Bedarf.")
    new_project(content["lights"].get_parent(), "Bürgerbus", "Ein Bus auf Abruf für die Ortsteile.")
    time_passes(1)
    out = StringIO()
    call_command("send_alerts", stdout=out)
    assert "Zusammenfassungen gesendet: 1" in out.getvalue()
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.to == ["Erika.Beispiel@example.org"]
    assert "Laternen" in digest.subject
    assert "Neu: Projekt-Steckbrief (Bad Endorf)" in digest.body
    assert "Laternen mit Bewegungsmeldern" in digest.body and BASE_URL + fresh.url in digest.body
    assert "Fernwartung der Laternen" not in digest.body  # published before the subscription
    assert "Bürgerbus" not in digest.body  # published after the subscription, but does not match
    assert f"{BASE_URL}/suche/?q=Laternen&content_type=projekt" in digest.body
    unsubscribe_path = link_in(digest, "abmelden")
    assert digest.extra_headers["List-Unsubscribe"] == f"<{BASE_URL}{unsubscribe_path}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    subscription.refresh_from_db()
    assert subscription.last_sent_at is not None

    # The next run finds nothing new and sends nothing.
    time_passes(1)
    call_command("send_alerts", stdout=StringIO())
    assert len(mail.outbox) == 2

    # One-click unsubscribe (RFC 8058): a POST without any CSRF token deletes the address.
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        unsubscribe_path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and "abbestellt" in response.content.decode()
    assert not AlertSubscription.objects.exists()
    assert not AlertSubscription.objects.filter(email__iexact=ADDRESS).exists()
    # The link again: a German message, no error.
    again = strict.post(unsubscribe_path)
    assert again.status_code == 404 and "gibt es nicht (mehr)" in again.content.decode()


def test_following_a_project_reports_a_new_report_below_it(client, content, engine):
    lights = content["lights"]
    form = client.get(f"/benachrichtigungen/projekt/{lights.pk}/")
    assert form.status_code == 200 and "Fernwartung der Laternen" in form.content.decode()
    subscription = subscribe_and_confirm(client, f"/benachrichtigungen/projekt/{lights.pk}/", frequency="woechentlich")
    assert subscription.project_id == lights.pk and subscription.frequency == Frequency.WEEKLY

    new_report(lights, "Zwei Jahre Fernwartung")
    new_report(content["shop"], "Ein Jahr Dorfladen")  # another project's report
    mail.outbox.clear()
    time_passes(1)
    assert send_alerts().sent == 0  # weekly: not due after a day
    time_passes(6)
    summary = send_alerts()
    assert summary.sent == 1 and len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Neu: Erfahrungsbericht (Bad Endorf)" in body and "Zwei Jahre Fernwartung" in body
    assert "Ein Jahr Dorfladen" not in body and "Ein Jahr Fernwartung" not in body
    assert "Fernwartung der Laternen" in body  # the project named as what is watched, not as an item
    assert f"{BASE_URL}{lights.url}" in body
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A change to the project itself is reported as changed (edited as an editor would: a fresh copy).
    lights = ProjectPage.objects.get(pk=lights.pk)
    lights.summary = "LED-Laternen über Funk steuern, jetzt im ganzen Ort."
    publish(lights)
    mail.outbox.clear()
    time_passes(7)
    send_alerts()
    assert "Geändert: Projekt-Steckbrief (Bad Endorf)" in mail.outbox[0].body


def test_nothing_sent_when_nothing_is_new(client, content):
    subscribe_and_confirm(client, SEARCH_FORM)
    mail.outbox.clear()
    time_passes(1)
    summary = send_alerts()
    assert summary.sent == 0 and summary.nothing_new == 1 and mail.outbox == []
    # The window was still looked at: the cut-off moved on, so the next run is due only tomorrow.
    assert not due(timezone.now()).exists()


def test_search_digest_waits_when_the_engine_cannot_answer(client, content, engine):
    subscription = subscribe_and_confirm(client, SEARCH_FORM)
    new_project(content["lights"].get_parent(), "Laternen am Bahnhof", "Neue Laternen.")
    time_passes(1)
    cutoff = AlertSubscription.objects.get(pk=subscription.pk).digest_cutoff

    class Down(EmbeddedEngine):
        def search(self, request):
            raise EngineUnavailable("Verbindung abgelehnt (Test)")

    reset_engine(Down(path=engine.path))
    mail.outbox.clear()
    summary = send_alerts()
    # The database fallback ignores the filters: nothing is sent, the window stays for the next run.
    assert summary.postponed == 1 and mail.outbox == []
    assert AlertSubscription.objects.get(pk=subscription.pk).digest_cutoff == cutoff
    reset_engine(engine)
    assert send_alerts().sent == 1 and "Laternen am Bahnhof" in mail.outbox[0].body


def test_an_smtp_error_for_one_address_does_not_stop_the_others(client, content, engine, monkeypatch):
    first = subscribe_and_confirm(client, SEARCH_FORM, "kaputt@example.org")
    second = subscribe_and_confirm(client, SEARCH_FORM, "heil@example.org")
    new_project(content["lights"].get_parent(), "Laternen am Markt", "Neue Laternen.")
    time_passes(1)
    cutoff = AlertSubscription.objects.get(pk=first.pk).digest_cutoff
    mail.outbox.clear()
    original = EmailBackend.send_messages

    def refuse_one(self, messages):
        if any("kaputt@example.org" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"kaputt@example.org": (550, b"Postfach voll")})
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_one)
    with pytest.raises(CommandError, match="1 Zusammenfassungen konnten nicht gesendet werden"):
        call_command("send_alerts", stdout=StringIO())
    assert [m.to for m in mail.outbox] == [["heil@example.org"]]
    assert AlertSubscription.objects.get(pk=first.pk).digest_cutoff == cutoff  # not advanced
    assert AlertSubscription.objects.get(pk=second.pk).digest_cutoff > cutoff

    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert send_alerts().sent == 1
    assert mail.outbox[-1].to == ["kaputt@example.org"] and "Laternen am Markt" in mail.outbox[-1].body


# -- confirmation and unsubscribe links ----------------------------------------------------------


def test_expired_confirmation_link_is_explained_and_the_request_deleted(client, engine):
    post_form(client, SEARCH_FORM)
    confirm_path = link_in(mail.outbox[0], "bestaetigen")
    time_passes(8)
    response = client.get(confirm_path)
    assert response.status_code == 410 and "abgelaufen" in response.content.decode()
    assert not AlertSubscription.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "1",
        "1.kurz",
        "99999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "99999999999999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "1." + "A" * 500,
        "-1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%C2%B2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "1.AAAAAAAAAAAAAAAAAAAAAAA%00AAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_unknown_or_malformed_tokens_get_a_german_message(client, token):
    for kind, text in (("bestaetigen", "Bestätigungslink ist ungültig"), ("abmelden", "gibt es nicht (mehr)")):
        for method in (client.get, client.post):
            response = method(f"/benachrichtigungen/{kind}/{token}/")
            assert response.status_code == 404, (kind, token, response.status_code)
            assert text in response.content.decode()


def test_a_token_of_another_row_or_the_wrong_kind_does_not_work(client):
    post_form(client, SEARCH_FORM)
    confirm_token = link_in(mail.outbox[0], "bestaetigen").split("/")[-2]
    unsubscribe_token = link_in(mail.outbox[0], "abmelden").split("/")[-2]
    row_id, secret = confirm_token.split(".")
    assert client.post(f"/benachrichtigungen/abmelden/{confirm_token}/").status_code == 404
    assert client.post(f"/benachrichtigungen/bestaetigen/{unsubscribe_token}/").status_code == 404
    assert client.post(f"/benachrichtigungen/bestaetigen/{int(row_id) + 1}.{secret}/").status_code == 404
    assert AlertSubscription.objects.filter(confirmed_at=None).count() == 1
    # The unsubscribe link of the confirmation mail removes the request at once.
    assert client.get(f"/benachrichtigungen/abmelden/{unsubscribe_token}/").status_code == 200
    assert AlertSubscription.objects.count() == 1  # GET only asks
    assert client.post(f"/benachrichtigungen/abmelden/{unsubscribe_token}/").status_code == 200
    assert not AlertSubscription.objects.exists()


def test_asking_again_replaces_instead_of_doubling(client):
    first = subscribe_and_confirm(client, SEARCH_FORM, frequency="taeglich")
    # The same search on another page and with another order is the same subscription.
    second = subscribe_and_confirm(client, SEARCH_FORM + "&page=2&sort=titel", frequency="woechentlich")
    assert list(AlertSubscription.objects.values_list("pk", "frequency")) == [(second.pk, Frequency.WEEKLY)]
    assert first.pk != second.pk
    # Asking twice without confirming renews the one request; only the newest link works.
    post_form(client, "/benachrichtigungen/suche/?q=Dorfladen")
    post_form(client, "/benachrichtigungen/suche/?q=Dorfladen")
    assert AlertSubscription.objects.filter(confirmed_at=None).count() == 1
    old_link, new_link = link_in(mail.outbox[-2], "bestaetigen"), link_in(mail.outbox[-1], "bestaetigen")
    assert client.post(old_link).status_code == 404
    assert client.post(new_link).status_code == 200


# -- hostile input, rate limits, enumeration -----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "a" * 300 + "@example.org"}, "höchstens 254 Zeichen"),
        ({"email": "erika@example.org\r\nBcc: alle@example.org"}, "gültige E-Mail-Adresse"),
        ({"email": "keine-adresse"}, "gültige E-Mail-Adresse"),
        ({"email": ""}, "Bitte geben Sie Ihre E-Mail-Adresse an."),
        ({"consent": ""}, "ohne Ihre Einwilligung"),
        ({"frequency": "stuendlich"}, "„täglich“ oder „wöchentlich“"),
    ],
)
def test_invalid_form_input_gets_german_messages_and_stores_nothing(client, data, message):
    response = post_form(client, SEARCH_FORM, **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'aria-invalid="true"' in html
    assert not AlertSubscription.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    "query",
    [
        "size_class=riesig",
        "q=" + "x" * 600,
        "guideline=<script>",
        "q=%ED%A0%80",
        "content_type=" + "&content_type=".join(["projekt"] * 31),
        "tag=" + "&tag=".join(f"schlagwort-{i:03d}-{'x' * 80}" for i in range(25)),
    ],
)
def test_bad_search_parameters_get_a_german_page(client, query):
    for method in (client.get, client.post):
        response = method("/benachrichtigungen/suche/?" + query)
        assert response.status_code == 400
        assert "lässt sich nicht abonnieren" in response.content.decode()
    assert not AlertSubscription.objects.exists()


def test_only_live_public_projects_can_be_followed(client, content, municipality):
    draft = ProjectPage(title="Entwurf", summary="Noch nicht veröffentlicht.", live=False)
    municipality.add_child(instance=draft)
    draft.save_revision()
    content["shop"].unpublish()
    for page_id in (draft.pk, content["shop"].pk, municipality.pk, 987654321, "99999999999999999999"):
        for method in (client.get, client.post):
            assert method(f"/benachrichtigungen/projekt/{page_id}/").status_code == 404
    assert client.get(f"/benachrichtigungen/projekt/{content['lights'].pk}/").status_code == 200


def test_honeypot_looks_like_success_and_sends_nothing(client):
    response = post_form(client, SEARCH_FORM, website="https://spam.example")
    assert response.status_code == 302 and response["Location"] == "/benachrichtigungen/angefordert/"
    assert mail.outbox == [] and not AlertSubscription.objects.exists()


def test_rate_limit_per_client(client, alert_settings):
    alert_settings.ALERT_LIMIT_PER_CLIENT = (2, 3600)
    assert post_form(client, SEARCH_FORM, "eins@example.org").status_code == 302
    assert post_form(client, SEARCH_FORM, "zwei@example.org").status_code == 302
    response = post_form(client, SEARCH_FORM, "drei@example.org")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Zu viele Anmeldungen" in response.content.decode() and "Anschluss" in response.content.decode()
    assert len(mail.outbox) == 2
    # Another client is not affected.
    assert post_form(Client(REMOTE_ADDR="203.0.113.7"), SEARCH_FORM, "drei@example.org").status_code == 302


def test_rate_limit_per_address_whoever_asks(alert_settings):
    alert_settings.ALERT_LIMIT_PER_ADDRESS = (2, 3600)
    for n in range(2):
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert post_form(client, f"/benachrichtigungen/suche/?q=Thema{n}", "opfer@example.org").status_code == 302
    response = post_form(Client(REMOTE_ADDR="203.0.113.9"), SEARCH_FORM, "OPFER@example.org")
    assert response.status_code == 429 and "diese E-Mail-Adresse" in response.content.decode()
    assert len(mail.outbox) == 2


def test_no_enumeration_of_subscribers(client):
    subscribe_and_confirm(client, SEARCH_FORM, "bekannt@example.org")
    known = post_form(Client(REMOTE_ADDR="203.0.113.1"), SEARCH_FORM, "bekannt@example.org")
    unknown = post_form(Client(REMOTE_ADDR="203.0.113.2"), SEARCH_FORM, "unbekannt@example.org")
    assert (known.status_code, known["Location"], known.content) == (
        unknown.status_code,
        unknown["Location"],
        unknown.content,
    )


def test_a_full_quota_adds_nothing_but_looks_the_same(client):
    now = timezone.now()
    AlertSubscription.objects.bulk_create(
        AlertSubscription(
            email="viel@example.org",
            kind="suche",
            search_params={"q": [f"thema{i}"]},
            target_key=f"suche:{i}",
            confirm_token_hash="x" * 64,
            confirm_requested_at=now,
            unsubscribe_secret=f"geheim{i}",
            confirmed_at=now,
            digest_cutoff=now,
        )
        for i in range(MAX_PER_ADDRESS)
    )
    response = post_form(client, SEARCH_FORM, "viel@example.org")
    assert response.status_code == 302 and response["Location"] == "/benachrichtigungen/angefordert/"
    assert AlertSubscription.objects.filter(email="viel@example.org").count() == MAX_PER_ADDRESS
    assert len(mail.outbox) == 1 and "nicht angelegt" in mail.outbox[0].subject
    assert "bestaetigen" not in mail.outbox[0].body


def test_a_failed_confirmation_mail_keeps_no_address(client, monkeypatch):
    def broken(self, messages):
        raise smtplib.SMTPServerDisconnected("weg")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    response = post_form(client, SEARCH_FORM)
    assert response.status_code == 200 and "konnte gerade nicht gesendet werden" in response.content.decode()
    assert not AlertSubscription.objects.exists()


# -- deletion ------------------------------------------------------------------------------------


def test_unconfirmed_requests_are_deleted_after_seven_days(client, engine):
    post_form(client, SEARCH_FORM, "alt@example.org")
    post_form(client, SEARCH_FORM, "neu@example.org")
    confirmed = subscribe_and_confirm(client, "/benachrichtigungen/suche/?q=Dorfladen", "treu@example.org")
    AlertSubscription.objects.filter(email="alt@example.org").update(
        confirm_requested_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    AlertSubscription.objects.filter(email="neu@example.org").update(
        confirm_requested_at=timezone.now() - timedelta(days=6, hours=23)
    )
    out = StringIO()
    call_command("maintenance", stdout=out)
    assert "Unbestätigte Anmeldungen zu Benachrichtigungen gelöscht (älter als 7 Tage): 1" in out.getvalue()
    assert set(AlertSubscription.objects.values_list("email", flat=True)) == {"neu@example.org", "treu@example.org"}
    # send_alerts deletes them too; a confirmed subscription is never deleted for its age.
    time_passes(1)
    assert send_alerts().unconfirmed_deleted == 1
    assert list(AlertSubscription.objects.values_list("pk", flat=True)) == [confirmed.pk]
    assert purge_unconfirmed() == 0


def test_the_admin_finds_an_address_for_access_and_erasure_requests(client, django_user_model):
    subscribe_and_confirm(client, SEARCH_FORM, "gesucht@example.org")
    post_form(client, SEARCH_FORM, "andere@example.org")
    admin = django_user_model.objects.create_superuser("admin", password="x")
    client.force_login(admin)
    html = client.get("/django-admin/syndication/alertsubscription/?q=gesucht%40example.org").content.decode()
    assert "gesucht@example.org" in html and "andere@example.org" not in html
    subscription = AlertSubscription.objects.get(email="gesucht@example.org")
    detail = client.get(f"/django-admin/syndication/alertsubscription/{subscription.pk}/change/").content.decode()
    assert "Laternen" in detail and subscription.unsubscribe_secret not in detail


def test_deleting_a_project_deletes_its_followers(client, content):
    subscribe_and_confirm(client, f"/benachrichtigungen/projekt/{content['shop'].pk}/")
    content["shop"].delete()
    assert not AlertSubscription.objects.exists()


# -- the links on the search and project pages ---------------------------------------------------


def test_search_page_and_project_page_link_to_the_forms(client, content):
    html = client.get("/suche/?q=Laternen&content_type=projekt&sort=titel&page=1").content.decode()
    link = re.search(r'<a href="([^"]+)" rel="nofollow">Diese Suche abonnieren</a>', html)
    assert link, "no subscribe link on the search page"
    href = link.group(1).replace("&amp;", "&")
    assert urlsplit(href).path == "/benachrichtigungen/suche/"
    assert "q=Laternen" in href and "content_type=projekt" in href and "sort" not in href and "page" not in href
    assert client.get(href).status_code == 200

    project = content["lights"]
    html = client.get(project.url).content.decode()
    assert f'href="/benachrichtigungen/projekt/{project.pk}/" rel="nofollow">Projekt folgen</a>' in html


def test_privacy_page_explains_alerts(client):
    html = client.get("/datenschutz/").content.decode()
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Benachrichtigungen per E-Mail" in plain
    assert "Art. 6 Abs. 1 lit. a DSGVO" in plain and "nicht innerhalb von 7 Tagen bestätigt" in plain
    assert "Ihre E-Mail-Adresse; was Sie beobachten" in plain and "die gewählte Häufigkeit" in plain
    assert "Jede E-Mail, auch die Bestätigungs-E-Mail, enthält einen Link" in plain
