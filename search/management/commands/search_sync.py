from django.core.management.base import BaseCommand, CommandError

from search.engines import Problem, get_engine
from search.sync import drain, pending


class Command(BaseCommand):
    help = "Überträgt offene Änderungen aus dem Index-Postausgang in den Suchindex."

    def handle(self, *args, **options):
        before = pending()
        applied = drain()
        remaining = pending()
        self.stdout.write(f"Offene Aufträge vorher: {before}, übertragen: {applied}, noch offen: {remaining}")
        if remaining:
            state = get_engine().health()
            if state.problem in (Problem.MISSING, Problem.OUTDATED, Problem.UNREADABLE):
                # Replaying into no index cannot work: only a rebuild creates one.
                raise CommandError(
                    f"{state.reason} Bitte `manage.py search_rebuild` ausführen; die Aufträge bleiben gespeichert."
                )
            raise CommandError("Der Suchindex ist nicht erreichbar; die Aufträge bleiben gespeichert.")
