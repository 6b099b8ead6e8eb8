from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.exchange.importer import ImportFailed, import_files


class Command(BaseCommand):
    help = (
        "Importiert Inhalte im Austauschformat (JSON). Alles oder nichts: enthält eine Datei einen "
        "fehlerhaften Datensatz, wird nichts importiert und jeder Fehler mit Kennung und Feld ausgegeben."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="Eine oder mehrere JSON-Dateien")

    def handle(self, *args, **options):
        try:
            stats = import_files(options["files"])
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Import abgebrochen, nichts wurde geändert: {len(failed.problems)} Fehler.") from None
        for warning in stats.warnings:
            self.stderr.write(self.style.WARNING(_("Warnung: %(warning)s") % {"warning": warning}))
        self.stdout.write(self.style.SUCCESS(f"Import abgeschlossen. {stats}"))
