from django.core.management.base import BaseCommand, CommandError

from search.sync import drain, pending


class Command(BaseCommand):
    help = "Überträgt offene Änderungen aus dem Index-Postausgang in den Suchindex."

    def handle(self, *args, **options):
        before = pending()
        applied = drain()
        remaining = pending()
        self.stdout.write(f"Offene Aufträge vorher: {before}, übertragen: {applied}, noch offen: {remaining}")
        if remaining:
            raise CommandError("Der Suchindex ist nicht erreichbar; die Aufträge bleiben gespeichert.")
