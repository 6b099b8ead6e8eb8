"""Delete relay log rows older than the retention period (cms.contact.retention).

`manage.py maintenance` runs the same deletion every hour; this command is for a different period.
"""

from django.core.management.base import BaseCommand

from cms.contact.retention import purge_relay_log, retention_days


class Command(BaseCommand):
    help = "Löscht Protokolleinträge der Kontaktvermittlung, die älter als die Aufbewahrungsfrist sind."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Aufbewahrungsfrist in Tagen (Standard: CONTACT_RELAY_LOG_RETENTION_DAYS oder 90).",
        )

    def handle(self, *args, days, **options):
        days = retention_days() if days is None else days
        deleted = purge_relay_log(days)
        self.stdout.write(f"{deleted} Protokolleinträge gelöscht (älter als {days} Tage).")
