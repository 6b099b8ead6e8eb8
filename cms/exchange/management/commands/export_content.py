from pathlib import Path

from django.core.management.base import BaseCommand

from cms.exchange.exporter import export_to


class Command(BaseCommand):
    help = "Exportiert alle veröffentlichten Inhalte im Austauschformat; Anhänge landen im Ordner files/ daneben."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        data = export_to(options["file"])
        projects = sum(len(m["projects"]) for m in data["municipalities"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Exportiert: {len(data['municipalities'])} Kommunen, {projects} Projekte, "
                f"{len(data['guides'])} Leitfäden, {len(data['checklists'])} Checklisten → {options['file']}"
            )
        )
