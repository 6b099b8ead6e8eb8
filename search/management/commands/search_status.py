import json
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core.models import MaintenanceRun
from search import health
from search.documents import indexable_count
from search.engines import EngineHealth, Problem, get_engine
from search.models import IndexTask

REBUILD = {Problem.MISSING, Problem.OUTDATED, Problem.UNREADABLE, Problem.INCOMPLETE, Problem.SHADOWED}
PARKED_SHOWN = 20  # parked tasks listed with their reasons; the count covers all


def advice(state: EngineHealth, documents_db: int) -> str:
    """What is wrong and which command fixes it, in one German sentence or two."""
    if state.problem is Problem.INCOMPLETE:
        what = _("Der Suchindex enthält nur %(index)s von %(db)s Dokumenten.") % {
            "index": state.documents,
            "db": documents_db,
        }
    else:
        what = state.reason
    if state.problem is Problem.SHADOWED:
        return (
            what
            + " "
            + _("`manage.py search_rebuild` ersetzt ihn in einem Schritt durch den Alias auf einen neuen Index.")
        )
    if state.problem in REBUILD:
        return what + " " + _("Bitte `manage.py search_rebuild` ausführen.")
    if state.problem is Problem.MISCONFIGURED:
        return what + " " + _("Antwort der Suchmaschine: %(detail)s") % {"detail": state.detail}
    return (
        what
        + " "
        + _(
            "Bitte die Suchmaschine und die Verbindung zu ihr prüfen; "
            "danach überträgt `manage.py search_sync` die offenen Aufträge."
        )
    )


MAINTENANCE_OVERDUE = timedelta(hours=3)  # hourly by the timer, cron or `make serve`


def maintenance_overdue(run: MaintenanceRun) -> bool:
    return timezone.now() - run.finished_at > MAINTENANCE_OVERDUE


def maintenance_line(run: MaintenanceRun | None) -> str:
    if run is None:
        return _("noch nie (`manage.py maintenance` stündlich ausführen)")
    line = f"{timezone.localtime(run.finished_at):%d.%m.%Y %H:%M}"
    if maintenance_overdue(run):
        line += " " + _("(überfällig: läuft der Zeitplan?)")
    return line


class Command(BaseCommand):
    help = "Zeigt Dokumente in Datenbank und Suchindex sowie offene Index-Aufträge."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        engine = get_engine()
        status = {"engine": engine.name, "documents_db": indexable_count()}
        state = health.check(engine, use_cache=False)
        status |= {
            "documents_index": state.documents,
            "reachable": state.problem is not Problem.UNREACHABLE,
            "health": state.state,
            "problem": state.problem.value if state.problem else None,
            "reason": state.reason,
            "detail": state.detail,
        }
        open_tasks = IndexTask.objects.pending()
        status["pending_tasks"] = open_tasks.count()
        oldest = open_tasks.order_by("pk").first()
        status["oldest_pending"] = oldest.created_at.isoformat() if oldest else None
        parked = IndexTask.objects.parked().order_by("pk")
        status["parked_tasks"] = parked.count()
        status["parked"] = [
            {
                "task": t.pk,
                "page_id": t.page_id,
                "action": t.action,
                "parked_at": t.parked_at.isoformat(),
                "reason": t.last_error,
            }
            for t in parked[:PARKED_SHOWN]
        ]
        # `manage.py maintenance` (operations/) replays what a lost background task left pending;
        # its record lives in cms.core so that this layer can read it.
        last_run = MaintenanceRun.last()
        status["maintenance_last_run"] = last_run.finished_at.isoformat() if last_run else None
        status["in_sync"] = (
            state.ok
            and status["documents_index"] == status["documents_db"]
            and not status["pending_tasks"]
            and not status["parked_tasks"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(status, ensure_ascii=False))
            return
        self.stdout.write(
            f"Suchmaschine:           {status['engine']} ({'erreichbar' if status['reachable'] else 'NICHT erreichbar'})"
        )
        self.stdout.write(f"Dokumente (Datenbank):  {status['documents_db']}")
        self.stdout.write(f"Dokumente (Suchindex):  {status['documents_index']}")
        self.stdout.write(f"Offene Index-Aufträge:  {status['pending_tasks']}")
        self.stdout.write(f"Zurückgestellt:         {status['parked_tasks']}")
        self.stdout.write(
            f"Letzte Wartung:         {maintenance_line(last_run)}",
            self.style.WARNING if last_run is None or maintenance_overdue(last_run) else None,
        )
        for task in status["parked"]:
            self.stdout.write(
                self.style.WARNING(
                    f"  Seite {task['page_id']} ({task['action']}, Auftrag {task['task']}): {task['reason']}"
                )
            )
        if status["parked_tasks"]:
            self.stdout.write(
                _(
                    "Nach der Korrektur: `manage.py search_sync --retry-failed` versucht zurückgestellte Aufträge erneut."
                )
            )
        if not state.ok:
            self.stdout.write(self.style.ERROR(advice(state, status["documents_db"])))
            return
        self.stdout.write(
            self.style.SUCCESS("Synchron.")
            if status["in_sync"]
            else self.style.WARNING("Nicht synchron: `manage.py search_sync` oder `search_rebuild` ausführen.")
        )
