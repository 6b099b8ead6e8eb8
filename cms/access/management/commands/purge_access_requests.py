"""Delete decided access requests after a retention period (cms.access.retention).

`manage.py maintenance` runs the same deletion every hour; this command is for a different
period or a dry run.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.access.retention import RETENTION_DAYS as DEFAULT_DAYS
from cms.access.retention import purge_decided_requests


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
        count = purge_decided_requests(days, dry_run=dry_run)
        if dry_run:
            message = _("%(count)d entschiedene Zugangsanfragen älter als %(days)d Tage würden gelöscht.")
        else:
            message = _("%(count)d entschiedene Zugangsanfragen älter als %(days)d Tage gelöscht.")
        self.stdout.write(message % {"count": count, "days": days})
