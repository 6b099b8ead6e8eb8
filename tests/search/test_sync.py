"""Publishing drives the index through the outbox; a failed engine never loses a save."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from cms.core.site_setup import section
from cms.projects.models import MunicipalityPage, ProjectPage
from search.engines import DocumentsRejected, EngineUnavailable, reset_engine
from search.engines.embedded import EmbeddedEngine
from search.models import IndexTask
from search.query import SearchRequest
from search.sync import drain, pending


class DownEngine:
    """Wraps a real engine and fails every call while ``down`` is set."""

    name = "embedded"

    def __init__(self, inner):
        self.inner, self.down = inner, False

    def __getattr__(self, attr):
        value = getattr(self.inner, attr)
        if callable(value) and self.down:

            def failing(*args, **kwargs):
                raise EngineUnavailable("Verbindung abgelehnt (Test)")

            return failing
        return value


@pytest.fixture
def engine(tmp_path):
    engine = DownEngine(EmbeddedEngine(path=tmp_path / "index"))
    reset_engine(engine)
    yield engine
    reset_engine(None)


def found(engine, text: str) -> list[str]:
    return [h.source["title"] for h in engine.inner.search(SearchRequest(text=text)).hits]


@pytest.fixture
def municipality(site, municipalities):
    page = MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=page)
    page.save_revision().publish()
    return page


def new_project(parent, title="Dorfladen mit Videotür") -> ProjectPage:
    project = ProjectPage(title=title, summary="Ein Laden, der rund um die Uhr offen hat.", start_date=date(2024, 1, 1))
    parent.add_child(instance=project)
    return project


@pytest.mark.django_db(transaction=True)
def test_publish_indexes_and_unpublish_and_delete_remove(engine, municipality):
    project = new_project(municipality)
    assert found(engine, "Videotür") == []  # a draft save indexes nothing
    project.save_revision().publish()
    assert found(engine, "Videotür") == ["Dorfladen mit Videotür"]
    assert pending() == 0

    project.unpublish()
    assert found(engine, "Videotür") == []
    project.save_revision().publish()
    assert found(engine, "Videotür") == ["Dorfladen mit Videotür"]
    ProjectPage.objects.get(pk=project.pk).delete()
    assert found(engine, "Videotür") == []


@pytest.mark.django_db(transaction=True)
def test_a_view_restriction_added_or_removed_later_updates_the_index(engine, municipality):
    """A restriction is no publish: without its own signal the index (search, API, feeds) kept the page."""
    project = new_project(municipality)
    project.save_revision().publish()
    assert found(engine, "Videotür") == ["Dorfladen mit Videotür"]
    restriction = PageViewRestriction.objects.create(
        page=municipality, restriction_type=PageViewRestriction.PASSWORD, password="geheim-2026"
    )
    assert found(engine, "Videotür") == []  # the project below the restricted page left the index too
    restriction.delete()
    assert found(engine, "Videotür") == ["Dorfladen mit Videotür"]


@pytest.mark.django_db(transaction=True)
def test_engine_down_during_publish_keeps_the_save_and_replays(engine, municipality):
    project = new_project(municipality)
    engine.down = True
    project.save_revision().publish()  # must not raise
    assert ProjectPage.objects.get(pk=project.pk).live
    assert pending() >= 1
    task = IndexTask.objects.filter(processed_at__isnull=True).last()
    assert "Verbindung abgelehnt" in task.last_error and task.attempts == 1

    engine.down = False
    assert found(engine, "Videotür") == []
    call_command("search_sync")
    assert pending() == 0
    assert found(engine, "Videotür") == ["Dorfladen mit Videotür"]


@pytest.mark.django_db(transaction=True)
def test_next_successful_write_replays_earlier_pending_rows(engine, municipality):
    first = new_project(municipality, "Erstes Projekt Kühlhaus")
    engine.down = True
    first.save_revision().publish()
    engine.down = False
    second = new_project(municipality, "Zweites Projekt Kühlhaus")
    second.save_revision().publish()
    assert sorted(found(engine, "Kühlhaus")) == ["Erstes Projekt Kühlhaus", "Zweites Projekt Kühlhaus"]
    assert pending() == 0


@pytest.mark.django_db(transaction=True)
def test_moving_a_project_reindexes_its_url(engine, municipality, municipalities):
    other = MunicipalityPage(title="Boppard", municipality=municipalities["07140501"])
    section("kommunen").add_child(instance=other)
    other.save_revision().publish()
    project = new_project(municipality)
    project.save_revision().publish()
    project.move(other, pos="last-child")
    drain()
    hit = engine.inner.search(SearchRequest(text="Videotür")).hits[0]
    assert hit.source["url"].startswith("/kommunen/boppard/")


@pytest.mark.django_db(transaction=True)
def test_status_and_rebuild_commands(engine, municipality, capsys):
    project = new_project(municipality)
    project.save_revision().publish()
    call_command("search_status")
    out = capsys.readouterr().out
    assert "Offene Index-Aufträge:  0" in out and "Synchron." in out
    engine.inner.clear()
    call_command("search_rebuild", "--if-needed")
    assert found(engine, "Videotür") == ["Dorfladen mit Videotür"]


class RejectingEngine(DownEngine):
    """Rejects the documents of the pages in ``refuse`` for good, as a mapping error would."""

    def __init__(self, inner):
        super().__init__(inner)
        self.refuse: set[str] = set()

    def bulk(self, index=(), delete=()):
        index = list(index)
        refused = {d["id"]: "400 mapper_parsing_exception: failed to parse" for d in index if d["id"] in self.refuse}
        self.inner.bulk(index=[d for d in index if d["id"] not in refused], delete=delete)
        if refused:
            raise DocumentsRejected(refused)


@pytest.fixture
def rejecting(tmp_path):
    engine = RejectingEngine(EmbeddedEngine(path=tmp_path / "index"))
    reset_engine(engine)
    yield engine
    reset_engine(None)


@pytest.mark.django_db(transaction=True)
def test_a_rejected_document_is_parked_and_later_tasks_proceed(rejecting, municipality, capsys):
    broken = new_project(municipality, "Kaputtes Kühlhaus")
    rejecting.refuse = {str(broken.pk)}
    broken.save_revision().publish()
    task = IndexTask.objects.parked().get(page_id=broken.pk)
    assert "mapper_parsing_exception" in task.last_error and task.attempts == 1
    assert pending() == 0

    later = new_project(municipality, "Späteres Kühlhaus")
    later.save_revision().publish()  # not held up by the parked task
    assert found(rejecting, "Kühlhaus") == ["Späteres Kühlhaus"]

    call_command("search_status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert status["parked_tasks"] == 1 and not status["in_sync"]
    assert status["parked"][0]["page_id"] == broken.pk
    assert "mapper_parsing_exception" in status["parked"][0]["reason"]
    call_command("search_status")
    assert f"Seite {broken.pk} (index" in capsys.readouterr().out

    call_command("search_sync")  # without --retry-failed a parked task stays parked
    assert IndexTask.objects.parked().count() == 1
    rejecting.refuse = set()  # the cause was fixed
    call_command("search_sync", "--retry-failed")
    assert IndexTask.objects.parked().count() == 0 and pending() == 0
    assert sorted(found(rejecting, "Kühlhaus")) == ["Kaputtes Kühlhaus", "Späteres Kühlhaus"]


@pytest.mark.django_db(transaction=True)
def test_a_later_successful_index_resolves_a_parked_task(rejecting, municipality):
    project = new_project(municipality, "Kühlhaus")
    rejecting.refuse = {str(project.pk)}
    project.save_revision().publish()
    assert IndexTask.objects.parked().count() == 1
    rejecting.refuse = set()
    project.save_revision().publish()
    assert IndexTask.objects.parked().count() == 0


@pytest.mark.django_db
def test_the_indexed_body_is_capped_so_no_document_can_break_highlighting(municipality):
    """A report's PDF text is unbounded; the index gets its first MAX_BODY_CHARS characters, in
    both engines (Elasticsearch refuses to highlight past index.highlight.max_analyzed_offset)."""
    from cms.projects.models import ExperienceReportPage
    from search.documents import MAX_BODY_CHARS, document_for

    project = new_project(municipality)
    project.save_revision().publish()
    report = ExperienceReportPage(
        title="Erfahrungen mit dem Dorfladen",
        findings="<p>Es lief gut.</p>",
        report_date=date(2025, 3, 1),
        author_organisation="Gemeinde Bad Endorf",
    )
    project.add_child(instance=report)
    report.save_revision().publish()
    long_text = "Ladenöffnung " + "Wort " * 100_000  # 500,000 characters
    ExperienceReportPage.objects.filter(pk=report.pk).update(pdf_text=long_text)

    document = document_for(ExperienceReportPage.objects.get(pk=report.pk))
    assert len(document["body"]) == MAX_BODY_CHARS
    assert "Es lief gut." in document["body"] and "Ladenöffnung" in document["body"]
