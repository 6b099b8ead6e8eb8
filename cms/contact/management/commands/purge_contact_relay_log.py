"""Delete relay log rows older than the retention period (run daily, e.g. from cron)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from cms.contact.models import ContactRelayLog


class Command(BaseCommand):
    help = "Löscht Protokolleinträge der Kontaktvermittlung, die älter als die Aufbewahrungsfrist sind."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=getattr(settings, "CONTACT_RELAY_LOG_RETENTION_DAYS", 90),
            help="Aufbewahrungsfrist in Tagen (Standard: CONTACT_RELAY_LOG_RETENTION_DAYS oder 90).",
        )

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = ContactRelayLog.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} Protokolleinträge gelöscht (älter als {days} Tage).")
