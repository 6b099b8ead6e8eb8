"""Delete decided access requests after a retention period.

A decided request is only needed for a while (questions, complaints, the audit trail of who
got access and why); the account itself records the outcome. Run it from cron, e.g. daily.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.access.models import AccessRequest

DEFAULT_DAYS = 180


class Command(BaseCommand):
    help = gettext_lazy("Löscht entschiedene Zugangsanfragen, deren Entscheidung länger als --days Tage zurückliegt.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=_("Aufbewahrungsfrist in Tagen (Standard %(days)d)") % {"days": DEFAULT_DAYS},
        )
        parser.add_argument("--dry-run", action="store_true", help=_("Nur zählen, nichts löschen."))

    def handle(self, *args, days, dry_run, **options):
        cutoff = timezone.now() - timedelta(days=days)
        old = AccessRequest.objects.exclude(status=AccessRequest.Status.PENDING).filter(decided_at__lt=cutoff)
        count = old.count()
        if not dry_run:
            old.delete()
        if dry_run:
            message = _("%(count)d entschiedene Zugangsanfragen älter als %(days)d Tage würden gelöscht.")
        else:
            message = _("%(count)d entschiedene Zugangsanfragen älter als %(days)d Tage gelöscht.")
        self.stdout.write(message % {"count": count, "days": days})
