from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cms.core import pagecache


class Command(BaseCommand):
    help = (
        "Leert den Seiten-Cache für anonyme Besucher (Cache-Alias „pages“) auf allen Prozessen, die ihn teilen. "
        "Die Zähler der Ratenbegrenzung (Cache „default“) bleiben erhalten. Nötig etwa nach `load_registry`, "
        "dessen Massenimport keine Signale sendet; Veröffentlichungen leeren ihn von selbst."
    )

    def handle(self, *args, **options):
        pagecache.clear()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(_("Seiten-Cache geleert.")))
