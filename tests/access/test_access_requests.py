"""Access requests end to end over HTTP: the public form, the admin's decision, the invitation."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.access.models import AccessRequest
from cms.accounts.roles import RESEARCH_GROUP, existing_municipality_group, grant_role, municipality_group
from cms.core.site_setup import section
from cms.projects.models import MunicipalityPage
from registry.models import Municipality

pytestmark = pytest.mark.django_db

User = get_user_model()
FORM_URL = "/zugang/"
THANKS_URL = "/zugang/danke/"
PASSWORD = "Laternen-Funk-2024!"


@pytest.fixture(autouse=True)
def fresh_cache():
    """The rate limit counts in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bad_endorf_page(site, municipalities):
    """A municipality that is already on the platform, with its page (and so its group)."""
    page = MunicipalityPage(title="Bad Endorf", slug="bad-endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=page)
    page.save_revision().publish()
    return MunicipalityPage.objects.get(pk=page.pk)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("chefin", "chefin@plattform.example.org", "Admin-Passwort-123!")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def form_data(**overrides) -> dict:
    data = {
        "name": "Erika Beispiel",
        "email": "erika.beispiel@bad-endorf.de",
        "role": "kommune",
        "municipality_query": "Bad Endorf",
        "organisation": "",
        "message": "Ich möchte unsere Laternenfernwartung vorstellen.",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(**overrides):
    """Post the form as a fresh visitor; the rate limit is per IP, so use a fixed one."""
    return Client(REMOTE_ADDR=overrides.pop("ip", "192.0.2.10")).post(FORM_URL, form_data(**overrides))


def approve_url(access_request) -> str:
    return reverse("zugangsanfragen:approve", args=[access_request.pk])


def reject_url(access_request) -> str:
    return reverse("zugangsanfragen:reject", args=[access_request.pk])


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def make_namesake(template: Municipality, ags: str, name: str = "Neustadt") -> Municipality:
    return Municipality.objects.create(
        ags=ags,
        name=name,
        name_official=f"{name}, Stadt",
        state=template.state,
        district=template.district,
        population=12000,
        population_date=template.population_date,
        area_km2=template.area_km2,
        lat=template.lat,
        lon=template.lon,
        urbanisation=template.urbanisation,
    )


# -- the whole flow ---------------------------------------------------------------------------
def test_request_approve_invite_set_password_and_log_in(
    bad_endorf_page, admin, superuser, django_capture_on_commit_callbacks
):
    form = Client().get(FORM_URL)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'autocomplete="work email"' in html and 'autocomplete="name"' in html
    assert '<label for="id_email">' in html
    assert re.search(r'<input type="email" name="email"[^>]*aria-describedby="email-hint"', html)

    with django_capture_on_commit_callbacks(execute=True):
        response = submit()
    assert response.status_code == 302 and response.url == THANKS_URL
    assert "Vielen Dank" in Client().get(THANKS_URL).content.decode()

    access_request = AccessRequest.objects.get()
    assert access_request.status == AccessRequest.Status.PENDING
    assert access_request.municipality.ags == "09187128"
    assert access_request.consent and access_request.consent_at is not None
    assert not User.objects.filter(email__iexact="erika.beispiel@bad-endorf.de").exists()
    # The decision makers hear of it; replying reaches the requester, the subject carries no input.
    (notice,) = mails_to(superuser.email)
    assert notice.reply_to == ["erika.beispiel@bad-endorf.de"]
    assert "Laternenfernwartung" in notice.body and "Laternenfernwartung" not in notice.subject
    assert "Erika" not in notice.subject

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(approve_url(access_request), {"note": "Willkommen an Bord!"})
    assert response.status_code == 302

    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.APPROVED
    assert access_request.decided_by == superuser and access_request.decided_at is not None
    user = User.objects.get(email="erika.beispiel@bad-endorf.de")
    assert access_request.user == user
    assert (user.first_name, user.last_name) == ("Erika", "Beispiel")
    assert not user.has_usable_password()
    assert user.groups.filter(pk=municipality_group(bad_endorf_page).pk).exists()
    assert MunicipalityPage.objects.count() == 1  # the existing page was used

    (invitation,) = mails_to("erika.beispiel@bad-endorf.de")
    assert "Willkommen an Bord!" in invitation.body
    assert user.username in invitation.body
    assert "Laternenfernwartung" not in invitation.subject
    link = re.search(r"https?://\S+/admin/password_reset/confirm/\S+/", invitation.body).group(0)

    visitor = Client()
    response = visitor.get(urlparse(link).path)
    assert response.status_code == 302  # Django moves the token into the session
    set_password_url = response.url
    assert visitor.get(set_password_url).status_code == 200
    response = visitor.post(set_password_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_password_reset_complete")

    browser = Client()
    response = browser.post(reverse("wagtailadmin_login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200

    # The link works once only.
    assert Client().get(urlparse(link).path, follow=True).context["validlink"] is False


def test_approval_creates_page_and_group_for_a_new_municipality(site, admin, django_capture_on_commit_callbacks):
    assert not MunicipalityPage.objects.filter(municipality__ags="07140501").exists()
    assert submit(email="paul.muster@boppard.de", municipality_query="Boppard").status_code == 302
    access_request = AccessRequest.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(approve_url(access_request), {"note": ""}).status_code == 302

    page = MunicipalityPage.objects.get(municipality__ags="07140501")
    assert page.title == "Boppard" and page.live
    assert page.get_parent().specific == section("kommunen")
    group = existing_municipality_group(page)
    assert group is not None
    user = User.objects.get(email="paul.muster@boppard.de")
    assert user.groups.filter(pk=group.pk).exists()
    assert mails_to("paul.muster@boppard.de")
    assert Client().get(page.url).status_code == 200


def test_research_role_needs_organisation_and_joins_the_research_group(site, admin, django_capture_on_commit_callbacks):
    response = submit(email="forscherin@uni-beispiel.de", role="forschung", municipality_query="")
    assert response.status_code == 200
    assert "Organisation" in text(response.content.decode())
    assert not AccessRequest.objects.exists()

    response = submit(
        email="forscherin@uni-beispiel.de", role="forschung", municipality_query="", organisation="Uni Beispiel"
    )
    assert response.status_code == 302
    access_request = AccessRequest.objects.get()
    assert access_request.municipality is None and access_request.organisation == "Uni Beispiel"

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(approve_url(access_request), {"note": ""})
    user = User.objects.get(email="forscherin@uni-beispiel.de")
    assert list(user.groups.values_list("name", flat=True)) == [RESEARCH_GROUP]


def test_rejection_sends_the_note_and_creates_no_user(site, admin, django_capture_on_commit_callbacks):
    submit(email="max@boppard.de", municipality_query="Boppard")
    access_request = AccessRequest.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reject_url(access_request), {"note": "Bitte über die Pressestelle anfragen."})
    assert response.status_code == 302

    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.REJECTED
    assert access_request.decision_note == "Bitte über die Pressestelle anfragen."
    assert not User.objects.filter(email="max@boppard.de").exists()
    assert not MunicipalityPage.objects.filter(municipality__ags="07140501").exists()
    (rejection,) = mails_to("max@boppard.de")
    assert "Bitte über die Pressestelle anfragen." in rejection.body
    assert "Boppard" in rejection.body
    assert "Pressestelle" not in rejection.subject

    # Decided is decided: a second decision is refused and changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(approve_url(access_request), {"note": ""})
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.REJECTED
    assert not User.objects.filter(email="max@boppard.de").exists()


# -- validation -------------------------------------------------------------------------------
def test_duplicate_pending_email_is_refused(site):
    assert submit().status_code == 302
    response = submit(email="Erika.Beispiel@BAD-ENDORF.de", ip="192.0.2.99")
    assert response.status_code == 200
    html = response.content.decode()
    assert "bereits eine offene Anfrage" in html
    assert 'role="alert"' in html
    assert re.search(r'<input type="email" name="email"[^>]*aria-describedby="email-hint email-error"', html)
    assert 'aria-invalid="true"' in html
    assert AccessRequest.objects.count() == 1


def test_freemail_addresses_are_refused(site):
    for address in ("erika@gmail.com", "erika@web.de", "erika@GMX.net", "erika@t-online.de"):
        response = submit(email=address)
        assert response.status_code == 200
        assert "dienstliche E-Mail-Adresse" in text(response.content.decode())
    assert not AccessRequest.objects.exists()


def test_existing_account_is_refused_politely(site):
    User.objects.create_user("erika", "erika.beispiel@bad-endorf.de", "x")
    response = submit()
    assert response.status_code == 200
    assert "bereits ein Konto" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_required_fields_consent_and_message_length(site):
    response = Client().post(FORM_URL, {"role": "kommune"})
    assert response.status_code == 200
    html = text(response.content.decode())
    for expected in (
        "Bitte geben Sie Ihren Namen an.",
        "Bitte geben Sie Ihre dienstliche E-Mail-Adresse an.",
        "Bitte geben Sie Ihre Kommune an",
        "Bitte stimmen Sie den Datenschutzhinweisen zu",
    ):
        assert expected in html
    assert 'href="#id_name"' in response.content.decode()  # the summary links to the fields

    response = submit(email="keine-adresse")
    assert "gültige E-Mail-Adresse" in response.content.decode()
    response = submit(message="x" * 2001)
    assert "höchstens 2000 Zeichen" in response.content.decode()
    assert not AccessRequest.objects.exists()


# -- choosing the municipality ----------------------------------------------------------------
def test_ambiguous_name_offers_candidates_and_the_choice_works(site, municipalities):
    template = municipalities["09187128"]
    make_namesake(template, "09187998")
    second = make_namesake(template, "09187999")

    response = submit(municipality_query="Neustadt")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mehrere Kommunen passen" in html
    assert 'name="municipality_choice"' in html
    assert "Neustadt (Rosenheim, Bayern, 09187998)" in html
    assert "Neustadt (Rosenheim, Bayern, 09187999)" in html
    assert not AccessRequest.objects.exists()

    response = submit(municipality_query="Neustadt", municipality_choice="09187999")
    assert response.status_code == 302
    assert AccessRequest.objects.get().municipality == second


def test_ags_and_datalist_values_resolve_exactly(site):
    assert submit(email="a@buxtehude.de", municipality_query="03359010").status_code == 302
    assert (
        submit(email="b@buxtehude.de", municipality_query="Buxtehude (Stade, Niedersachsen, 03359010)").status_code
        == 302
    )
    assert set(AccessRequest.objects.values_list("municipality__ags", flat=True)) == {"03359010"}

    response = submit(email="c@buxtehude.de", municipality_query="03359999")
    assert "Zum Gemeindeschlüssel" in response.content.decode()
    response = submit(email="d@buxtehude.de", municipality_query="Atlantis")
    assert "keine Kommune" in response.content.decode()


def test_municipality_lookup_json(site):
    data = Client().get("/zugang/gemeinden/", {"q": "Bad"}).json()
    assert data["results"][0] == {
        "ags": "09187128",
        "name": "Bad Endorf",
        "district": "Rosenheim",
        "state": "Bayern",
        "label": "Bad Endorf (Rosenheim, Bayern, 09187128)",
    }
    assert Client().get("/zugang/gemeinden/", {"q": "0916"}).json()["results"][0]["name"] == "München"
    assert Client().get("/zugang/gemeinden/", {"q": "x"}).json()["results"] == []


# -- abuse ------------------------------------------------------------------------------------
def test_rate_limit_answers_429_after_five_requests(site):
    for n in range(5):
        assert submit(email=f"person{n}@bad-endorf.de").status_code == 302
    response = submit(email="person5@bad-endorf.de")
    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.content.decode()
    assert AccessRequest.objects.count() == 5
    # Another client is not affected.
    assert submit(email="person6@bad-endorf.de", ip="198.51.100.7").status_code == 302


def test_honeypot_is_answered_like_success_but_stores_nothing(site):
    response = submit(website="https://spam.example")
    assert response.status_code == 302 and response.url == THANKS_URL
    assert not AccessRequest.objects.exists()


# -- the admin --------------------------------------------------------------------------------
def test_user_without_permission_gets_403_on_approve(bad_endorf_page, django_capture_on_commit_callbacks):
    submit(email="neu@bad-endorf.de")
    access_request = AccessRequest.objects.get()
    editor = User.objects.create_user("redakteur", "redakteur@bad-endorf.de", "x")
    grant_role(editor, "kommune", municipality_page=bad_endorf_page)  # admin access, no decision right
    client = Client()
    client.force_login(editor)

    assert client.post(approve_url(access_request), {"note": ""}).status_code == 403
    assert client.post(reject_url(access_request), {"note": ""}).status_code == 403
    assert client.get(approve_url(access_request)).status_code == 403
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.PENDING

    # Granted the permission (e.g. to the Redaktion group), the same user may decide.
    deciders = Group.objects.create(name="Entscheider")
    deciders.permissions.add(
        Permission.objects.get(codename="decide_accessrequest"),
        Permission.objects.get(codename="view_accessrequest"),
    )
    editor.groups.add(deciders)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(approve_url(access_request), {"note": ""}).status_code == 302
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.APPROVED


def test_get_on_approve_only_asks_for_confirmation(bad_endorf_page, admin):
    submit()
    access_request = AccessRequest.objects.get()
    response = admin.get(approve_url(access_request))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "Ja, annehmen" in html
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.PENDING
    assert not User.objects.filter(email="erika.beispiel@bad-endorf.de").exists()


def test_approve_needs_the_csrf_token(bad_endorf_page, superuser):
    submit()
    access_request = AccessRequest.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    assert client.post(approve_url(access_request), {"note": ""}).status_code == 403
    access_request.refresh_from_db()
    assert access_request.is_pending


def test_admin_listing_filters_details_and_resend(site, admin, django_capture_on_commit_callbacks):
    submit(email="offen@boppard.de", municipality_query="Boppard")
    submit(email="forschung@uni-beispiel.de", role="forschung", municipality_query="", organisation="Uni Beispiel")
    research = AccessRequest.objects.get(role="forschung")

    index = reverse("zugangsanfragen:index")
    html = admin.get(index).content.decode()
    assert "offen@boppard.de" in html and "forschung@uni-beispiel.de" in html
    assert approve_url(research) in html
    html = admin.get(index, {"role": "forschung"}).content.decode()
    assert "forschung@uni-beispiel.de" in html and "offen@boppard.de" not in html
    dashboard = admin.get("/admin/").content.decode()
    assert '"name": "zugangsanfragen"' in dashboard  # menu item
    assert "2 Zugangsanfragen warten auf Ihre Entscheidung." in dashboard

    inspect = reverse("zugangsanfragen:inspect", args=[research.pk])
    assert "Uni Beispiel" in admin.get(inspect).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(approve_url(research), {"note": ""})
    html = admin.get(index, {"status": "approved"}).content.decode()
    assert "forschung@uni-beispiel.de" in html and "offen@boppard.de" not in html
    assert admin.get(reverse("zugangsanfragen:history", args=[research.pk])).status_code == 200

    mail.outbox.clear()
    resend = reverse("zugangsanfragen:resend", args=[research.pk])
    assert admin.get(resend).status_code == 200
    assert admin.post(resend).status_code == 302
    assert len(mails_to("forschung@uni-beispiel.de")) == 1


def test_purge_deletes_only_old_decided_requests(site, admin, django_capture_on_commit_callbacks):
    submit(email="alt@boppard.de", municipality_query="Boppard")
    submit(email="offen@boppard.de", municipality_query="Boppard")
    old = AccessRequest.objects.get(email="alt@boppard.de")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reject_url(old), {"note": ""})
    AccessRequest.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=181))

    call_command("purge_access_requests", "--days", "180", stdout=StringIO())
    assert list(AccessRequest.objects.values_list("email", flat=True)) == ["offen@boppard.de"]
