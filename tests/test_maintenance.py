"""`manage.py maintenance`: every purge keeps what is younger than its limit; the run is recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cms.access.models import AccessRequest
from cms.access.retention import RETENTION_DAYS
from cms.contact.models import ContactRelayLog, RelayStatus
from cms.core.models import MaintenanceRun
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from search.models import IndexTask
from search.sync import drain_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(tmp_path):
    engine = EmbeddedEngine(path=tmp_path / "index")
    reset_engine(engine)
    yield engine
    reset_engine(None)


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def maintenance() -> str:
    out = StringIO()
    call_command("maintenance", stdout=out)
    return out.getvalue()


def access_request(email: str, status: str, decided_days_ago: float | None) -> AccessRequest:
    request = AccessRequest.objects.create(
        name="Erika Beispiel", email=email, role=AccessRequest.Role.FORSCHUNG, organisation="Hochschule", status=status
    )
    if decided_days_ago is not None:
        AccessRequest.objects.filter(pk=request.pk).update(decided_at=days_ago(decided_days_ago))
    return request


def task_result(finished_days_ago: float, status: str = TaskResultStatus.SUCCESSFUL) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path=drain_task.module_path,
        backend_name=settings.BACKGROUND_TASKS,
        status=status,
        finished_at=days_ago(finished_days_ago),
    )


def test_each_purge_honours_its_age_limit_and_keeps_recent_rows(engine):
    old_decided = access_request("alt@example.org", AccessRequest.Status.REJECTED, RETENTION_DAYS + 1)
    recent_decided = access_request("neu@example.org", AccessRequest.Status.APPROVED, RETENTION_DAYS - 1)
    old_pending = access_request("offen@example.org", AccessRequest.Status.PENDING, None)
    AccessRequest.objects.filter(pk=old_pending.pk).update(created_at=days_ago(RETENTION_DAYS * 2))

    old_log = ContactRelayLog.objects.create(status=RelayStatus.SENT)
    ContactRelayLog.objects.filter(pk=old_log.pk).update(created_at=days_ago(91))
    recent_log = ContactRelayLog.objects.create(status=RelayStatus.SENT)

    old_done = IndexTask.objects.create(page_id=1, action=IndexTask.Action.DELETE, processed_at=days_ago(8))
    recent_done = IndexTask.objects.create(page_id=2, action=IndexTask.Action.DELETE, processed_at=days_ago(6))
    parked = IndexTask.objects.create(page_id=3, action=IndexTask.Action.INDEX, parked_at=days_ago(30))

    old_result, old_failure = task_result(8), task_result(8, TaskResultStatus.FAILED)
    recent_result = task_result(6)

    expired, valid = SessionStore(), SessionStore()
    expired.set_expiry(-60)  # already over
    expired.create()
    valid.create()

    out = maintenance()

    assert set(AccessRequest.objects.values_list("pk", flat=True)) == {recent_decided.pk, old_pending.pk}
    assert not AccessRequest.objects.filter(pk=old_decided.pk).exists()
    assert list(ContactRelayLog.objects.all()) == [recent_log]
    assert set(IndexTask.objects.values_list("pk", flat=True)) == {recent_done.pk, parked.pk}
    assert not IndexTask.objects.filter(pk=old_done.pk).exists()
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent_result.pk]
    assert not DBTaskResult.objects.filter(pk__in=[old_result.pk, old_failure.pk]).exists()
    assert set(Session.objects.values_list("session_key", flat=True)) == {valid.session_key}

    assert "Entschiedene Zugangsanfragen gelöscht (älter als 180 Tage): 1" in out
    assert "Protokolleinträge der Kontaktvermittlung gelöscht (älter als 90 Tage): 1" in out
    assert "Erledigte Index-Aufträge gelöscht (älter als 7 Tage): 1" in out
    assert "Abgeschlossene Hintergrundaufgaben gelöscht (älter als 7 Tage): 2" in out
    assert "Abgelaufene Sitzungen gelöscht." in out
    assert "zurückgestellt: 1" in out and "`manage.py search_status` nennt den Grund" in out


def test_pending_index_work_is_replayed(engine):
    # Index work whose drain task was lost: the page is gone, so the engine is told to forget it.
    lost = IndexTask.objects.create(page_id=424242, action=IndexTask.Action.DELETE)
    out = maintenance()
    lost.refresh_from_db()
    assert lost.processed_at is not None and not IndexTask.objects.pending().exists()
    assert "Index-Aufträge nachgeholt: 1, noch offen: 0, zurückgestellt: 0" in out
    assert "search_status` nennt den Grund" not in out


def test_the_run_is_recorded_and_search_status_shows_it(engine):
    out = StringIO()
    call_command("search_status", stdout=out)
    assert "Letzte Wartung:         noch nie" in out.getvalue()
    call_command("search_status", "--json", stdout=(out := StringIO()))
    assert json.loads(out.getvalue())["maintenance_last_run"] is None

    ContactRelayLog.objects.filter(pk=ContactRelayLog.objects.create(status=RelayStatus.SENT).pk).update(
        created_at=days_ago(100)
    )
    printed = maintenance()
    run = MaintenanceRun.last()
    assert run is not None and run.started_at <= run.finished_at
    assert run.results["contact_relay_log_deleted"] == 1 and run.results["sessions_cleared"] is True
    assert run.summary.splitlines()[0] in printed  # what it did, as the operator saw it

    call_command("search_status", stdout=(out := StringIO()))
    shown = f"{timezone.localtime(run.finished_at):%d.%m.%Y %H:%M}"
    assert f"Letzte Wartung:         {shown}\n" in out.getvalue()
    call_command("search_status", "--json", stdout=(out := StringIO()))
    assert json.loads(out.getvalue())["maintenance_last_run"] == run.finished_at.isoformat()

    MaintenanceRun.objects.filter(pk=run.pk).update(finished_at=days_ago(1))
    call_command("search_status", stdout=(out := StringIO()))
    assert "überfällig" in out.getvalue()


def test_old_records_of_runs_are_deleted_recent_ones_kept(engine):
    maintenance()
    first = MaintenanceRun.last()
    MaintenanceRun.objects.filter(pk=first.pk).update(finished_at=days_ago(31))
    maintenance()
    maintenance()
    assert MaintenanceRun.objects.count() == 2 and not MaintenanceRun.objects.filter(pk=first.pk).exists()


def test_pdf_text_a_lost_task_never_extracted_is_extracted(engine, site, municipalities):
    from datetime import date

    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from cms.projects.models import ExperienceReportPage
    from tests.pdfgen import make_pdf
    from tests.search.test_background import municipality_page
    from tests.search.test_sync import new_project

    project = new_project(municipality_page(municipalities))
    document = Document(title="Bericht")
    document.file.save("bericht.pdf", ContentFile(make_pdf(["Laternenfernwartung"])), save=False)
    document.save()
    report = ExperienceReportPage(
        title="Bericht", findings="<p>x</p>", report_date=date(2025, 3, 1), author_organisation="Gemeinde", pdf=document
    )
    project.add_child(instance=report)
    # As if its task had died with the worker: text and fingerprint never written.
    ExperienceReportPage.objects.filter(pk=report.pk).update(pdf_text="", pdf_fingerprint="")
    out = maintenance()
    assert "Laternenfernwartung" in ExperienceReportPage.objects.get(pk=report.pk).pdf_text
    assert "PDF-Texte nachträglich ausgelesen: 1" in out
    assert "PDF-Texte nachträglich ausgelesen: 0" in maintenance()  # done once, not again
