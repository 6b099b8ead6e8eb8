from django.core.management.base import BaseCommand, CommandError

from search.engines import Problem, get_engine
from search.models import IndexTask
from search.sync import drain, pending, retry_parked


class Command(BaseCommand):
    help = "Überträgt offene Änderungen aus dem Index-Postausgang in den Suchindex."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Auch zurückgestellte Aufträge (von der Suchmaschine abgewiesene Dokumente) erneut versuchen.",
        )

    def handle(self, *args, **options):
        if options["retry_failed"]:
            self.stdout.write(f"Zurückgestellte Aufträge erneut eingeplant: {retry_parked()}")
        before = pending()
        applied = drain()
        remaining = pending()
        parked = IndexTask.objects.parked().count()
        self.stdout.write(
            f"Offene Aufträge vorher: {before}, übertragen: {applied}, noch offen: {remaining}, zurückgestellt: {parked}"
        )
        if parked:
            self.stdout.write(
                self.style.WARNING(
                    "Zurückgestellte Aufträge: Gründe zeigt `manage.py search_status`; "
                    "nach der Korrektur `manage.py search_sync --retry-failed` ausführen."
                )
            )
        if remaining:
            state = get_engine().health()
            if state.problem in (Problem.MISSING, Problem.OUTDATED, Problem.UNREADABLE, Problem.SHADOWED):
                # Replaying into no index cannot work: only a rebuild creates one.
                raise CommandError(
                    f"{state.reason} Bitte `manage.py search_rebuild` ausführen; die Aufträge bleiben gespeichert."
                )
            if state.problem is Problem.MISCONFIGURED:
                raise CommandError(f"{state.reason} {state.detail} Die Aufträge bleiben gespeichert.")
            raise CommandError("Der Suchindex ist nicht erreichbar; die Aufträge bleiben gespeichert.")
