"""Background work: a publish queues the index work and a report's PDF, the worker does them.

With the database backend of django-tasks-db, as in production (the test settings otherwise run
tasks at once). The worker is django-tasks-db's own ``db_worker --batch``: it runs everything
queued, then returns. It opens SQLite transactions of its own, hence ``transaction=True``.
"""

from __future__ import annotations

import logging
import signal
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.documents.models import Document

from cms.core.site_setup import section
from cms.projects import tasks as project_tasks
from cms.projects.models import ExperienceReportPage, MunicipalityPage
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from search.models import IndexTask
from search.sync import drain_task, pending
from tests.pdfgen import make_pdf
from tests.search.test_sync import DownEngine, found, new_project

EXTRACT = project_tasks.extract_report_pdf_text.module_path
DRAIN = drain_task.module_path


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        settings.BACKGROUND_TASKS: {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }


@pytest.fixture
def engine(tmp_path):
    engine = DownEngine(EmbeddedEngine(path=tmp_path / "index"))
    reset_engine(engine)
    yield engine
    reset_engine(None)


def municipality_page(municipalities) -> MunicipalityPage:
    page = MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def municipality(site, municipalities) -> MunicipalityPage:
    return municipality_page(municipalities)


@pytest.fixture
def extractions(monkeypatch) -> list[str]:
    """The titles of the documents whose PDF was parsed, in order."""
    parsed: list[str] = []
    real = project_tasks.extract_pdf_text

    def counting(document) -> str:
        parsed.append(document.title)
        return real(document)

    monkeypatch.setattr(project_tasks, "extract_pdf_text", counting)
    return parsed


def run_worker() -> None:
    """`manage.py db_worker --batch`: every queued task, then return.

    The worker installs its own SIGINT/SIGTERM handlers and sets its loggers' levels; both are
    put back, so that the rest of the test run is not changed by it.
    """
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    levels = {name: logging.getLogger(name).level for name in ("django_tasks", "django_tasks_db")}
    try:
        call_command(
            "db_worker",
            "--backend",
            settings.BACKGROUND_TASKS,
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            stdout=StringIO(),
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def queued(task_path: str) -> int:
    return DBTaskResult.objects.ready().filter(task_path=task_path).count()


def pdf_document(title: str, text: str) -> Document:
    document = Document(title=title)
    document.file.save(f"{title}.pdf", ContentFile(make_pdf([text])), save=False)
    document.save()
    return document


def add_report(project, title: str, pdf: Document) -> ExperienceReportPage:
    """An experience report with a PDF below ``project``, saved (not yet published)."""
    report = ExperienceReportPage(
        title=title,
        findings="<p>Es lief gut.</p>",
        report_date=date(2025, 3, 1),
        author_organisation="Gemeinde Bad Endorf",
        pdf=pdf,
    )
    project.add_child(instance=report)
    return report


@pytest.mark.django_db(transaction=True)
def test_a_publish_only_queues_the_index_work_and_the_worker_does_it(database_tasks, municipality, engine):
    first = new_project(municipality, "Dorfladen mit Videotür")
    second = new_project(municipality, "Kühlhaus mit Videotür")
    first.save_revision().publish()
    second.save_revision().publish()

    assert found(engine, "Videotür") == []  # the publishes returned without touching the index
    assert IndexTask.objects.pending().filter(page_id__in=[first.pk, second.pk]).count() == 2
    assert queued(DRAIN) == 1  # one waiting drain covers every publish

    run_worker()
    assert sorted(found(engine, "Videotür")) == ["Dorfladen mit Videotür", "Kühlhaus mit Videotür"]
    assert pending() == 0
    assert DBTaskResult.objects.filter(task_path=DRAIN, status=TaskResultStatus.SUCCESSFUL).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_drain_task_that_fails_leaves_the_outbox_for_the_next_one(database_tasks, municipality, engine):
    project = new_project(municipality)
    project.save_revision().publish()
    engine.down = True
    run_worker()
    assert pending() >= 1 and found(engine, "Videotür") == []

    engine.down = False
    other = new_project(municipality, "Zweiter Dorfladen")
    other.save_revision().publish()
    run_worker()
    assert sorted(found(engine, "Dorfladen")) == ["Dorfladen mit Videotür", "Zweiter Dorfladen"]
    assert pending() == 0


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_parsed_by_the_worker_and_only_when_the_file_changed(
    database_tasks, municipality, engine, extractions
):
    project = new_project(municipality)
    project.save_revision().publish()
    report = add_report(
        project,
        "Erfahrungen mit dem Dorfladen",
        pdf_document("Bericht 2024", "Die Quartiersgarage wurde kaum genutzt."),
    )
    report.save_revision().publish()

    def stored() -> ExperienceReportPage:
        return ExperienceReportPage.objects.get(pk=report.pk)

    assert extractions == [] and stored().pdf_text == ""  # not in the request
    assert queued(EXTRACT) >= 1
    run_worker()
    assert extractions == ["Bericht 2024"]
    assert "Quartiersgarage" in stored().pdf_text
    assert found(engine, "Quartiersgarage") == ["Erfahrungen mit dem Dorfladen"]

    # Saved and published again with the same file (from a revision that still carries the
    # text of before the extraction): nothing to parse, and the text stays.
    report.title = "Erfahrungen mit dem Dorfladen, ergänzt"
    report.save()
    report.save_revision().publish()
    assert queued(EXTRACT) == 0
    run_worker()
    assert extractions == ["Bericht 2024"]
    assert "Quartiersgarage" in stored().pdf_text
    assert found(engine, "Quartiersgarage") == ["Erfahrungen mit dem Dorfladen, ergänzt"]

    # A new file in a draft changes nothing live; published, the old text goes at once (the
    # revision carries it, but it belongs to the other file) and the new one follows.
    report = stored()
    report.pdf = pdf_document("Bericht 2025", "Das Fahrradparkhaus ist voll.")
    revision = report.save_revision()
    assert "Quartiersgarage" in stored().pdf_text and queued(EXTRACT) == 0
    revision.publish()
    assert stored().pdf_text == ""
    run_worker()
    assert extractions == ["Bericht 2024", "Bericht 2025"]
    assert "Fahrradparkhaus" in stored().pdf_text
    assert found(engine, "Fahrradparkhaus") == ["Erfahrungen mit dem Dorfladen, ergänzt"]
    assert found(engine, "Quartiersgarage") == []


@pytest.mark.django_db(transaction=True)
def test_a_second_task_for_the_same_file_parses_nothing(database_tasks, municipality, engine, extractions):
    project = new_project(municipality)
    project.save_revision().publish()
    report = add_report(project, "Bericht", pdf_document("Bericht", "Laternenfernwartung"))
    report.save()  # saved twice before the worker ran: two tasks
    assert queued(EXTRACT) == 2
    run_worker()
    assert extractions == ["Bericht"]
    assert "Laternenfernwartung" in ExperienceReportPage.objects.get(pk=report.pk).pdf_text


@pytest.mark.django_db
def test_without_a_worker_the_text_is_there_at_once_and_removing_the_pdf_removes_it(municipality, extractions):
    """The test and dev settings run tasks immediately (``make run`` needs no worker)."""
    project = new_project(municipality)
    report = add_report(project, "Bericht", pdf_document("Bericht", "Laternenfernwartung"))
    report.save()
    assert extractions == ["Bericht"]
    assert "Laternenfernwartung" in ExperienceReportPage.objects.get(pk=report.pk).pdf_text
    report.pdf = None
    report.save()
    stored = ExperienceReportPage.objects.get(pk=report.pk)
    assert stored.pdf_text == "" and stored.pdf_fingerprint == ""
