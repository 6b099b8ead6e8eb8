"""A lost, unreadable or far too small index is noticed: search degrades to the database,
publishing keeps its outbox rows instead of starting a new partial index, ``search_status``
says what to run, ``search_rebuild`` heals, and ``/healthz`` reports database and search apart."""

import json
import shutil
from datetime import date
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from cms.core.site_setup import section
from cms.projects.models import MunicipalityPage, ProjectPage
from search import health
from search.documents import all_documents
from search.engines import EngineUnavailable, Problem, SearchEngine, build_engine, reset_engine
from search.engines.embedded import POINTER, EmbeddedEngine
from search.models import IndexTask
from search.query import SearchRequest
from search.sync import pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def index_dir(tmp_path):
    return tmp_path / "index"


@pytest.fixture
def engine(index_dir):
    """The engine as the site builds it (it never creates an index on the fly)."""
    engine = build_engine("embedded", path=index_dir)
    reset_engine(engine)
    yield engine
    reset_engine(None)


@pytest.fixture
def municipality(site, municipalities):
    page = MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=page)
    return page


def publish_project(parent, title: str, capture) -> ProjectPage:
    project = ProjectPage(title=title, summary="Ein Laden, der rund um die Uhr offen hat.", start_date=date(2024, 1, 1))
    parent.add_child(instance=project)
    with capture(execute=True):  # the outbox drains after the commit, as in a request
        project.save_revision().publish()
    return project


def api(client) -> dict:
    response = client.get("/api/v1/search/?q=Dorfladen")
    assert response.status_code == 200
    return json.loads(response.content)


def status_output(capsys) -> str:
    capsys.readouterr()
    call_command("search_status")
    return capsys.readouterr().out


def test_lost_index_degrades_keeps_publishes_pending_and_rebuild_heals(
    client, engine, index_dir, municipality, django_capture_on_commit_callbacks, capsys
):
    projects = [publish_project(municipality, f"Dorfladen {n}", django_capture_on_commit_callbacks) for n in range(3)]
    # A new install: no index yet, and the publishes did not start one.
    assert not (index_dir / POINTER).exists()
    waiting = IndexTask.objects.filter(processed_at__isnull=True).values_list("page_id", flat=True)
    assert {p.pk for p in projects} <= set(waiting)
    call_command("search_rebuild", "--if-needed")  # as `make setup` does
    assert pending() == 0 and health.check(engine).ok
    data = api(client)
    assert (data["engine"], data["degraded"], data["total"]) == ("embedded", False, 3)

    shutil.rmtree(index_dir)  # lost while the site runs

    data = api(client)
    assert (data["engine"], data["degraded"], data["total"]) == ("datenbank", True, 3)
    assert {r["title"] for r in data["results"]} == {"Dorfladen 0", "Dorfladen 1", "Dorfladen 2"}
    assert data["notice"]
    assert health.check(engine).problem is Problem.MISSING

    # Publishing still works, but neither fills a new partial index nor loses the change.
    late = publish_project(municipality, "Dorfladen spät", django_capture_on_commit_callbacks)
    assert ProjectPage.objects.get(pk=late.pk).live
    assert not (index_dir / POINTER).exists()
    task = IndexTask.objects.get(page_id=late.pk, processed_at__isnull=True)
    assert task.attempts == 1 and "search_rebuild" in task.last_error
    assert health.check(engine).problem is Problem.MISSING
    assert api(client)["degraded"] is True

    out = status_output(capsys)
    assert "Der Suchindex fehlt. Bitte `manage.py search_rebuild` ausführen." in out
    assert "Synchron." not in out
    with pytest.raises(CommandError, match="search_rebuild"):
        call_command("search_sync")  # replaying into no index cannot work
    assert not (index_dir / POINTER).exists()

    call_command("search_rebuild")
    assert pending() == 0 and health.check(engine).ok
    data = api(client)
    assert (data["engine"], data["degraded"], data["total"]) == ("embedded", False, 4)
    assert "Synchron." in status_output(capsys)


def test_index_with_far_fewer_documents_than_the_database_is_degraded(
    client, engine, municipality, django_capture_on_commit_callbacks, capsys
):
    for n in range(4):
        publish_project(municipality, f"Dorfladen {n}", django_capture_on_commit_callbacks)
    documents = list(all_documents())
    assert len(documents) == 4

    engine.rebuild(documents[:1])  # what a lost index refilled by one publish looks like
    health.forget()
    state = health.check(engine)
    assert (state.problem, state.documents, state.state) == (Problem.INCOMPLETE, 1, "degraded")
    data = api(client)
    assert (data["engine"], data["degraded"], data["total"]) == ("datenbank", True, 4)
    out = status_output(capsys)
    assert "Der Suchindex enthält nur 1 von 4 Dokumenten. Bitte `manage.py search_rebuild` ausführen." in out

    engine.rebuild(documents[:2])  # half of them: a gap search_sync closes, not a lost index
    health.forget()
    assert health.check(engine).ok
    assert api(client)["degraded"] is False


def test_outdated_or_unreadable_index_is_reported_and_never_replaced(index_dir):
    built = EmbeddedEngine(path=index_dir)
    built.rebuild([{"id": "1", "title": "Dorfladen"}])
    generation = (index_dir / POINTER).read_text()
    assert built.health().ok and built.health().documents == 1

    (index_dir / generation / "meta.json").write_text("{kaputt", encoding="utf-8")
    site_engine = build_engine("embedded", path=index_dir)
    assert site_engine.health().problem is Problem.UNREADABLE
    with pytest.raises(EngineUnavailable):
        site_engine.search(SearchRequest(text="Dorfladen"))

    (index_dir / POINTER).write_text("v1-20200101000000-1-abcdef12", encoding="utf-8")
    assert site_engine.health().problem is Problem.OUTDATED
    with pytest.raises(EngineUnavailable):
        site_engine.bulk(index=[{"id": "2", "title": "Kühlhaus"}])
    assert (index_dir / POINTER).read_text() == "v1-20200101000000-1-abcdef12", "no new index was started"


def test_engine_without_own_health_check_is_judged_by_its_stats(taxonomy):
    """Elasticsearch has no ``health`` of its own: the default reads ``stats`` (alias count)."""

    class StatsOnly(SearchEngine):
        bulk = search = suggest = more_like_this = rebuild = clear = None

        def __init__(self, documents: int | None) -> None:
            self.documents = documents

        def stats(self):
            if self.documents is None:
                raise EngineUnavailable("Verbindung abgelehnt (Test)")
            return {"documents": self.documents}

    assert health.check(StatsOnly(None)).problem is Problem.UNREACHABLE
    assert health.check(StatsOnly(0)).ok, "an empty database needs no documents"
    with mock.patch.object(health, "indexable_count", return_value=10):
        health.forget()
        assert health.check(StatsOnly(0)).problem is Problem.INCOMPLETE
        assert health.check(StatsOnly(5)).ok


# --------------------------------------------------------------------------- /healthz


def healthz(client, status: int) -> dict:
    response = client.get("/healthz")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_healthz_ok(client, engine, taxonomy):
    engine.rebuild(all_documents())
    assert healthz(client, 200) == {"database": "ok", "search": "ok"}


def test_healthz_search_degraded_is_still_200(client, engine, taxonomy):
    # The site engine on an empty directory: no index was ever built.
    assert healthz(client, 200) == {"database": "ok", "search": "degraded", "search_reason": "Der Suchindex fehlt."}


def test_healthz_database_down_is_503(client, engine, taxonomy):
    engine.rebuild([])
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("Verbindung abgelehnt (Test)")):
        body = healthz(client, 503)
    assert body == {"database": "error", "search": "ok"}
