"""What `manage.py maintenance` does; the command only prints the summary.

Neither django-tasks nor django-tasks-db schedules anything, so something else runs this every
hour: in a deployment the systemd timer deploy/systemd/smartcity-maintenance.timer (or the cron
line deploy/cron/smartcity-maintenance), under `make serve` its supervisor scripts/serve.py.
Every step is idempotent and cheap when there is nothing to do, so a run more often, two runs at
once or a run after a long pause do no harm.

Each run is recorded as cms.core.models.MaintenanceRun (when, what, the summary), which
`search_status` shows. The retention periods are those of the apps that own the data; this
module only adds the ones for the platform's own bookkeeping.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from cms.access.retention import RETENTION_DAYS as ACCESS_REQUEST_DAYS
from cms.access.retention import purge_decided_requests
from cms.contact.retention import purge_relay_log, retention_days
from cms.core.models import MaintenanceRun
from cms.projects.tasks import extract_missing_pdf_texts
from search.models import IndexTask
from search.sync import drain, pending, purge_processed
from syndication.alerts import purge_unconfirmed
from syndication.models import CONFIRM_DAYS as ALERT_CONFIRM_DAYS

# Applied outbox rows: kept a week, to see in the admin what was indexed when.
INDEX_TASK_DAYS = 7
# Finished background task results (django-tasks-db), successful or failed: kept a week, to look
# into a failure (its traceback is stored there); the outbox or the PDF fingerprint keeps what
# matters, so nothing depends on them after that.
TASK_RESULT_DAYS = 7
# The records of these runs themselves.
RUN_DAYS = 30
# Reports whose PDF text a lost task never extracted, parsed per run (bounds the run's duration).
PDF_BATCH = 50


def clear_expired_sessions() -> bool:
    """Django's session engine API, as `manage.py clearsessions` uses it; False if the engine cannot.

    Signed-cookie sessions live in the browser only; their engine raises NotImplementedError.
    """
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:
        return False
    return True


def purge_task_results(days: int = TASK_RESULT_DAYS) -> int:
    """Delete background task results that finished more than ``days`` ago; how many.

    The same rows as django-tasks-db's ``prune_db_task_results --min-age-days`` for every
    backend, counted.
    """
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def run_maintenance() -> MaintenanceRun:
    """Run every step, record the run and return the record."""
    started = timezone.now()
    # First what lost tasks left undone: PDF text (its new outbox rows go into the drain), then
    # the outbox; rows applied now are not old enough to be purged below.
    pdf_texts = extract_missing_pdf_texts(PDF_BATCH)
    applied = drain()
    results = {
        "pdf_texts_extracted": pdf_texts,
        "index_applied": applied,
        "index_pending": pending(),
        "index_parked": IndexTask.objects.parked().count(),
        "index_tasks_deleted": purge_processed(INDEX_TASK_DAYS),
        "access_requests_deleted": purge_decided_requests(),
        "contact_relay_log_deleted": purge_relay_log(),
        "alert_requests_deleted": purge_unconfirmed(),
        "task_results_deleted": purge_task_results(),
        "sessions_cleared": clear_expired_sessions(),
    }
    MaintenanceRun.objects.filter(finished_at__lt=started - timedelta(days=RUN_DAYS)).delete()
    return MaintenanceRun.objects.create(
        started_at=started, finished_at=timezone.now(), results=results, summary="\n".join(describe(results))
    )


def describe(results: dict) -> list[str]:
    """The run in a few German lines, for the operator's terminal, the log and the record."""
    lines = [
        _("PDF-Texte nachträglich ausgelesen: %(count)d") % {"count": results["pdf_texts_extracted"]},
        _("Index-Aufträge nachgeholt: %(applied)d, noch offen: %(pending)d, zurückgestellt: %(parked)d")
        % {"applied": results["index_applied"], "pending": results["index_pending"], "parked": results["index_parked"]},
        _("Erledigte Index-Aufträge gelöscht (älter als %(days)d Tage): %(count)d")
        % {"days": INDEX_TASK_DAYS, "count": results["index_tasks_deleted"]},
        _("Entschiedene Zugangsanfragen gelöscht (älter als %(days)d Tage): %(count)d")
        % {"days": ACCESS_REQUEST_DAYS, "count": results["access_requests_deleted"]},
        _("Protokolleinträge der Kontaktvermittlung gelöscht (älter als %(days)d Tage): %(count)d")
        % {"days": retention_days(), "count": results["contact_relay_log_deleted"]},
        _("Unbestätigte Anmeldungen zu Benachrichtigungen gelöscht (älter als %(days)d Tage): %(count)d")
        % {"days": ALERT_CONFIRM_DAYS, "count": results["alert_requests_deleted"]},
        _("Abgeschlossene Hintergrundaufgaben gelöscht (älter als %(days)d Tage): %(count)d")
        % {"days": TASK_RESULT_DAYS, "count": results["task_results_deleted"]},
        _("Abgelaufene Sitzungen gelöscht.")
        if results["sessions_cleared"]
        else _("Abgelaufene Sitzungen: Der Sitzungsspeicher löscht sie selbst."),
    ]
    if results["index_pending"] or results["index_parked"]:
        lines.append(_("Offene oder zurückgestellte Index-Aufträge: `manage.py search_status` nennt den Grund."))
    return lines
