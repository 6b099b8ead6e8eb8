"""The anonymous page cache (cms/core/pagecache.py): what it serves, to whom, and when it forgets.

A request answered from the cache runs no database query at all, so ``django_assert_num_queries(0)``
shows a hit, and a request that runs queries was rendered. The test settings switch the cache off
for every other test; here it is on. Wagtail's signals fire inside the test's transaction, so the
invalidation (``transaction.on_commit``) runs when ``django_capture_on_commit_callbacks(execute=True)``
ends, as it would after the editor's commit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.utils import get_random_secret_key
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from cms.core import pagecache
from cms.exchange.importer import import_files
from cms.projects.models import MunicipalityPage, ProjectPage
from registry.models import Guideline
from tests.factories import add_grossstadt_project, bundle, write_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def project(site, exchange_dir, django_capture_on_commit_callbacks) -> ProjectPage:
    """Bad Endorf's project (and one in München), imported and committed as an import would be."""
    with django_capture_on_commit_callbacks(execute=True):
        import_files([write_bundle(exchange_dir, add_grossstadt_project(bundle()))])
    return ProjectPage.objects.get(external_id="projekt-test-laternen")


def rendered(client, url: str, method: str = "get"):
    """Request ``url`` and return (response, number of queries): 0 means it came from the cache."""
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url)
    return response, len(queries)


def publish(page, **changes) -> None:
    """Publish changes as an editor does (a new revision, published)."""
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_second_anonymous_request_is_a_hit_with_the_same_headers(client, project, django_assert_num_queries):
    first, queries = rendered(client, project.url)
    assert first.status_code == 200 and queries > 0
    assert not first.cookies and "csrfmiddlewaretoken" not in first.content.decode()
    with django_assert_num_queries(0):
        second = client.get(project.url)
    assert second.status_code == 200
    assert second.content == first.content
    assert "Fernwartung der Straßenbeleuchtung" in second.content.decode()
    # The same headers, the Content-Security-Policy included; nothing that lets browsers keep it.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "script-src 'self'" in second["Content-Security-Policy"]
    for header in ("Content-Type", "X-Frame-Options", "Content-Language", "Content-Length", "Vary"):
        assert second[header] == first[header], header
    assert "max-age" not in second.get("Cache-Control", "")
    assert not second.cookies
    # The query string is part of the key; the same parameters in another spelling share the entry.
    _, queries = rendered(client, project.url + "?x=a+b")
    assert queries > 0
    _, queries = rendered(client, project.url + "?x=a%20b")
    assert queries == 0


def test_a_map_page_keeps_its_own_policy_from_the_cache(client, site):
    first, queries = rendered(client, "/karte/")
    assert first.status_code == 200 and queries > 0
    second, queries = rendered(client, "/karte/")
    assert queries == 0
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_embedded_file_cache_serves_and_forgets(
    client, project, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The default outside tests: files under DATA_DIR, which every server process reads."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)},
    }
    assert rendered(client, project.url)[1] > 0
    assert rendered(client, project.url)[1] == 0
    assert any(tmp_path.iterdir())
    with django_capture_on_commit_callbacks(execute=True):
        publish(project, title="Aus der Datei verschwunden")
    response, queries = rendered(client, project.url)
    assert queries > 0 and "Aus der Datei verschwunden" in response.content.decode()


def test_a_foreign_host_gets_the_usual_400(client, db, settings):
    settings.ALLOWED_HOSTS = ["plattform.example.de"]
    response = client.get("/", HTTP_HOST="angreifer.example")
    assert response.status_code == 400
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_head_and_get_share_the_entry(client, project):
    head, queries = rendered(client, project.url, "head")
    assert head.status_code == 200 and queries > 0 and head.content == b""
    # A HEAD fills nothing: the GET after it is rendered, and fills the entry.
    get, queries = rendered(client, project.url)
    assert queries > 0
    head, queries = rendered(client, project.url, "head")
    assert queries == 0
    assert head.status_code == 200 and head.content == b""
    for header in ("Content-Type", "Content-Length", "Content-Security-Policy"):
        assert head[header] == get[header], header


def test_publish_changes_the_anonymous_page(client, project, django_capture_on_commit_callbacks):
    rendered(client, project.url)
    assert rendered(client, project.url)[1] == 0
    with django_capture_on_commit_callbacks(execute=True):
        publish(project, title="Laternen aus der Ferne steuern")
    response, queries = rendered(client, project.url)
    assert queries > 0
    assert "Laternen aus der Ferne steuern" in response.content.decode()
    # Pages that list the project (the municipality's page) forget it too.
    municipality = project.get_parent()
    assert "Laternen aus der Ferne steuern" in client.get(municipality.url).content.decode()


def test_the_invalidation_waits_for_the_commit(client, project, django_capture_on_commit_callbacks, monkeypatch):
    rendered(client, project.url)
    calls = []
    monkeypatch.setattr(pagecache, "invalidate", lambda: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        publish(project, title="Noch nicht festgeschrieben")
        publish(project.get_parent().specific, title="Bad Endorf (neu)")
        # Until the commit, the old generation is still the current one: nothing is re-cached
        # from a state that could yet be rolled back, and the old entry is still served.
        assert calls == []
        assert rendered(client, project.url)[1] == 0
    # One new generation for the whole transaction, however many signals it sent.
    assert calls == [1]


def test_unpublish_invalidates(client, project, django_capture_on_commit_callbacks):
    url = project.url
    rendered(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        project.unpublish()
    assert client.get(url).status_code == 404


def test_move_invalidates(client, project, django_capture_on_commit_callbacks):
    old_url = project.url
    assert rendered(client, old_url)[0].status_code == 200
    muenchen = MunicipalityPage.objects.get(municipality__ags="09162000")
    with django_capture_on_commit_callbacks(execute=True):
        project.move(muenchen, pos="last-child")
    project.refresh_from_db()
    # Wagtail leaves a redirect at the old address; the cached page is gone.
    moved = client.get(old_url)
    assert moved.status_code == 301 and moved["Location"] == project.url
    assert client.get(project.url).status_code == 200


def test_delete_invalidates(client, project, django_capture_on_commit_callbacks):
    url = project.url
    rendered(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        project.delete()
    assert client.get(url).status_code == 404


def test_taxonomy_change_invalidates(client, project, django_capture_on_commit_callbacks):
    guideline = Guideline.objects.get(code="3.3")
    assert guideline.title in rendered(client, project.url)[0].content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        guideline.title = "Daseinsvorsorge digital steuern"
        guideline.save()
    response, queries = rendered(client, project.url)
    assert queries > 0 and "Daseinsvorsorge digital steuern" in response.content.decode()


def test_logged_in_users_never_get_nor_fill_the_cache(client, project):
    rendered(client, project.url)
    # Changed without any signal: the cached entry is now out of date, which shows who gets it.
    ProjectPage.objects.filter(pk=project.pk).update(title="Stiller Titel")
    editor = get_user_model().objects.create_superuser("redaktion", "redaktion@example.org", "x")
    client.force_login(editor)
    response, queries = rendered(client, project.url)
    assert queries > 0 and "Stiller Titel" in response.content.decode()
    # Nor does an editor fill it: the municipality page they saw is rendered for the next visitor.
    municipality_url = project.get_parent().url
    rendered(client, municipality_url)
    anonymous = client.__class__()
    assert rendered(anonymous, municipality_url)[1] > 0
    # The anonymous visitor still gets the (stale) cached project page: the editor changed nothing in it.
    assert "Stiller Titel" not in anonymous.get(project.url).content.decode()


def test_pages_with_a_csrf_token_or_a_cookie_are_never_cached(client, project):
    contact_url = f"/kontakt/projekt/{project.pk}/"
    first = client.get(contact_url)
    assert "csrfmiddlewaretoken" in first.content.decode() and "csrftoken" in first.cookies
    fresh = client.__class__()
    second, queries = rendered(fresh, contact_url)
    assert queries > 0 and "csrftoken" in second.cookies
    # ?kommune= remembers the municipality (a session cookie): that answer is not stored either.
    response, _ = rendered(fresh, "/suche/?kommune=12073069")
    assert "sessionid" in response.cookies
    assert rendered(client.__class__(), "/suche/?kommune=12073069")[1] > 0


def test_remembered_municipality_is_never_served_to_others(client, site):
    # A visitor with a remembered municipality sees it on /suche/, rendered for them.
    session = client.session
    session["kommune"] = "12073069"
    session.save()
    remembered, queries = rendered(client, "/suche/")
    assert queries > 0 and "Boitzenburger Land" in remembered.content.decode()
    assert rendered(client, "/suche/")[1] > 0
    # A visitor without a session gets the page without it, from the cache the second time.
    anonymous = client.__class__()
    first, queries = rendered(anonymous, "/suche/")
    assert queries > 0 and "Boitzenburger Land" not in first.content.decode()
    assert not first.cookies
    second, queries = rendered(anonymous, "/suche/")
    assert queries == 0 and "Boitzenburger Land" not in second.content.decode()
    # ...and the visitor with the session still sees theirs.
    assert "Boitzenburger Land" in client.get("/suche/").content.decode()


def test_the_flash_message_after_sending_is_not_swallowed(client, project, mailoutbox):
    rendered(client, project.url)
    data = {"name": "Max Muster", "email": "max@example.net", "subject": "Frage", "message": "Hallo", "website": ""}
    response = client.post(f"/kontakt/projekt/{project.pk}/", data)
    assert response.status_code == 302 and len(mailoutbox) == 1
    html = client.get(response["Location"]).content.decode()
    assert "Vielen Dank! Ihre Nachricht wurde" in html


def test_previews_are_never_answered_from_the_cache(client, project):
    rendered(client, project.url)
    project.title = "Entwurf mit neuem Titel"
    project.save_revision()
    draft = project.get_latest_revision_as_object()
    response = draft.make_preview_request()
    assert "Entwurf mit neuem Titel" in response.content.decode()
    # The public page is unchanged.
    assert "Entwurf mit neuem Titel" not in client.get(project.url).content.decode()


def test_rate_limits_survive_invalidation_and_clearing(client, project, django_capture_on_commit_callbacks):
    caches["default"].set("contact-client:test", 3)
    rendered(client, project.url)
    with django_capture_on_commit_callbacks(execute=True):
        publish(project, title="Neuer Titel")
    assert caches["default"].get("contact-client:test") == 3
    rendered(client, project.url)
    assert rendered(client, project.url)[1] == 0
    call_command("clear_page_cache", verbosity=0)
    assert rendered(client, project.url)[1] > 0
    assert caches["default"].get("contact-client:test") == 3


def test_a_rolled_back_savepoint_does_not_take_the_invalidation_with_it(db, django_capture_on_commit_callbacks):
    before = pagecache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                pagecache.schedule_invalidation()
                raise RuntimeError("abgebrochen")
        pagecache.schedule_invalidation()  # a change outside the savepoint, committed
    assert pagecache.current_generation() != before


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.set_cookie("x", "1"),
        lambda r: r.headers.__setitem__("Cache-Control", "private"),
        lambda r: r.headers.__setitem__("Cache-Control", "max-age=0"),
        lambda r: r.headers.__setitem__("Vary", "Accept-Encoding"),
        lambda r: r.headers.__setitem__("Content-Type", "application/json"),
    ],
)
def test_responses_that_are_not_for_everyone_are_not_stored(rf, change):
    request = rf.get("/")
    response = HttpResponse("<p>Seite</p>")
    assert pagecache.is_storable(request, response, "de")
    change(response)
    assert not pagecache.is_storable(request, response, "de")
    assert not pagecache.is_storable(request, StreamingHttpResponse(iter([b"x"])), "de")
    assert not pagecache.is_storable(rf.head("/"), HttpResponse("<p>Seite</p>"), "de")


FRONTEND_PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from wagtail.contrib.frontend_cache.utils import get_backends

print(json.dumps({
    "installed": "wagtail.contrib.frontend_cache" in settings.INSTALLED_APPS,
    "backends": {name: type(backend).__name__ for name, backend in get_backends().items()},
    "locations": [config["LOCATION"] for config in getattr(settings, "WAGTAILFRONTENDCACHE", {}).values()],
}))
"""


def frontend_cache_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "TMPDIR", "LANG") if key in os.environ}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production", SECRET_KEY=get_random_secret_key(), DATA_DIR=str(tmp_path)
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", FRONTEND_PROBE],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_proxy_purging_is_off_by_default_and_configured_from_the_environment(tmp_path):
    default = frontend_cache_settings(tmp_path)
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout) == {"installed": False, "backends": {}, "locations": []}

    purging = frontend_cache_settings(tmp_path, FRONTEND_CACHE_PURGE_URLS="http://127.0.0.1:6081, http://10.0.0.2:6081")
    assert purging.returncode == 0, purging.stderr
    assert json.loads(purging.stdout) == {
        "installed": True,
        "backends": {"proxy1": "HTTPBackend", "proxy2": "HTTPBackend"},
        "locations": ["http://127.0.0.1:6081", "http://10.0.0.2:6081"],
    }

    refused = frontend_cache_settings(tmp_path, FRONTEND_CACHE_PURGE_URLS="file:///etc/passwd")
    assert refused.returncode != 0 and "keine http(s)-Adresse" in refused.stderr


def test_index_work_applied_by_the_worker_invalidates(db, django_capture_on_commit_callbacks, tmp_path):
    """The worker indexes after the publish: search, map and similar projects change only then."""
    from search.engines.embedded import EmbeddedEngine
    from search.models import IndexTask
    from search.sync import drain

    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.rebuild([])
    before = pagecache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        assert drain(engine) == 0  # nothing to do: the cache stays
    assert pagecache.current_generation() == before
    IndexTask.objects.create(page_id=10**9, action=IndexTask.Action.DELETE)
    with django_capture_on_commit_callbacks(execute=True):
        assert drain(engine) == 1
    assert pagecache.current_generation() != before


@pytest.mark.parametrize("url", ["/suche/?q=Laterne", "/karte/"])
def test_head_answers_as_get_does_with_or_without_an_entry(client, site, url):
    miss = client.head(url)
    hit = client.head(url) if client.get(url).status_code == 200 else None
    assert miss.status_code == 200
    assert hit is not None and hit.status_code == 200
    assert miss.content == b"" and hit.content == b""
