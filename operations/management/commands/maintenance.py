"""`manage.py maintenance`: the hourly housekeeping (see operations/maintenance.py for the steps)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.maintenance import run_maintenance


class Command(BaseCommand):
    help = (
        "Wartung: holt offene Index-Aufträge nach und löscht alte Zugangsanfragen, Protokolleinträge, "
        "erledigte Index-Aufträge, Hintergrundaufgaben, unbestätigte Benachrichtigungen und abgelaufene Sitzungen. "
        "Stündlich ausführen."
    )

    def handle(self, *args, **options):
        run = run_maintenance()
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            _("Wartung vom %(when)s (%(seconds).1f s):")
            % {"when": f"{timezone.localtime(run.finished_at):%d.%m.%Y %H:%M}", "seconds": seconds}
        )
        for line in run.summary.splitlines():
            self.stdout.write(f"  {line}")
