import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search.documents import all_documents, indexable_count
from search.engines import EngineUnavailable, Problem, get_engine
from search.models import IndexTask
from search.sync import drain, pending


class Command(BaseCommand):
    help = "Baut den Suchindex vollständig aus der Datenbank neu auf (ohne Unterbrechung der Suche)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Nur neu aufbauen, wenn Index und Datenbank nicht übereinstimmen; sonst offene Aufträge übertragen.",
        )

    def handle(self, *args, **options):
        engine = get_engine()
        if options["if_needed"]:
            drain(engine)
            # A missing, outdated or unreadable index is rebuilt (first setup, a lost index);
            # an unreachable server is not something a rebuild could fix.
            state = engine.health()
            if state.problem is Problem.UNREACHABLE:
                raise CommandError(f"{state.reason} Bitte die Suchmaschine und die Verbindung zu ihr prüfen.")
            in_sync = state.ok and state.documents == indexable_count() and not pending()
            if in_sync:
                self.stdout.write(f"Suchindex ({engine.name}) ist aktuell.")
                return
        # Tasks written before the rebuild started are covered by it; later ones are replayed after.
        horizon = IndexTask.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        try:
            count = engine.rebuild(all_documents())
        except EngineUnavailable as exc:
            raise CommandError(f"Suchindex nicht erreichbar: {exc}") from None
        IndexTask.objects.filter(pk__lte=horizon, processed_at__isnull=True).update(processed_at=timezone.now())
        # Changes published while the rebuild ran may have gone to the index that was just replaced:
        # replay them against the new one.
        IndexTask.objects.filter(pk__gt=horizon).update(processed_at=None)
        drain(engine)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Suchindex ({engine.name}) neu aufgebaut: {count} Dokumente in {seconds:.1f} s")
        )
