from django.core.management.base import BaseCommand

from registry.loaders import load_municipalities, load_taxonomy


class Command(BaseCommand):
    help = "Lädt Charta-Taxonomie, Handlungsfelder und das Gemeindeverzeichnis aus fixtures/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite-taxonomy",
            action="store_true",
            help="Redaktionelle Änderungen an Taxonomie-Begriffen mit den Werten aus fixtures/ überschreiben.",
        )
        parser.add_argument("--skip-municipalities", action="store_true")

    def handle(self, *args, **options):
        result = load_taxonomy(overwrite=options["overwrite_taxonomy"])
        self.stdout.write(f"Taxonomie: {result}")
        if not options["skip_municipalities"]:
            result = load_municipalities()
            self.stdout.write(f"Gemeinden: {result}")
