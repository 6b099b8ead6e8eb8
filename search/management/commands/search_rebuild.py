import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cms.core import pagecache
from search.documents import BATCH_SIZE, all_documents, indexable_count
from search.engines import EngineMisconfigured, EngineUnavailable, Problem, get_engine
from search.models import IndexTask
from search.sync import drain, pending


def _number(value: int) -> str:
    """German thousands separator: 1.113."""
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Baut den Suchindex vollständig aus der Datenbank neu auf (ohne Unterbrechung der Suche)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Nur neu aufbauen, wenn Index und Datenbank nicht übereinstimmen; sonst offene Aufträge übertragen.",
        )

    def with_progress(self, documents, total: int):
        """Pass the documents on, with a line after every batch the database was read in."""
        done = 0
        for done, document in enumerate(documents, start=1):
            yield document
            if done % BATCH_SIZE == 0:
                self.stdout.write(f"… {_number(done)} von {_number(total)} Dokumenten")
        if done % BATCH_SIZE:
            self.stdout.write(f"… {_number(done)} von {_number(total)} Dokumenten")

    def handle(self, *args, **options):
        engine = get_engine()
        if options["if_needed"]:
            drain(engine)
            # A missing, outdated or unreadable index is rebuilt (first setup, a lost index);
            # an unreachable server is not something a rebuild could fix.
            state = engine.health()
            if state.problem is Problem.UNREACHABLE:
                raise CommandError(f"{state.reason} Bitte die Suchmaschine und die Verbindung zu ihr prüfen.")
            if state.problem is Problem.MISCONFIGURED:
                raise CommandError(f"{state.reason} {state.detail}")
            in_sync = state.ok and state.documents == indexable_count() and not pending()
            if in_sync:
                self.stdout.write(f"Suchindex ({engine.name}) ist aktuell.")
                return
        # Tasks written before the rebuild started are covered by it; later ones are replayed after.
        horizon = IndexTask.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        try:
            count = engine.rebuild(self.with_progress(all_documents(), indexable_count()))
        except EngineMisconfigured as exc:
            # Not an outage: retrying later would fail the same way.
            raise CommandError(
                f"Die Suchmaschine weist den Neuaufbau ab (Zugangsdaten, Serverversion oder fehlerhafte Anfrage): {exc}"
            ) from None
        except EngineUnavailable as exc:
            raise CommandError(f"Suchindex nicht erreichbar: {exc}") from None
        healed = getattr(engine, "replaced_index", None)
        if healed:
            self.stdout.write(
                self.style.WARNING(
                    f"Der Index „{healed}“ belegte den Namen des Alias; er wurde in einem Schritt durch den Alias ersetzt."
                )
            )
        IndexTask.objects.filter(pk__lte=horizon, processed_at__isnull=True).update(processed_at=timezone.now())
        # Changes published while the rebuild ran may have gone to the index that was just replaced:
        # replay them against the new one.
        IndexTask.objects.filter(pk__gt=horizon).update(processed_at=None)
        drain(engine)
        # Cached pages show what the old index said (search, map, similar projects).
        pagecache.schedule_invalidation()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Suchindex ({engine.name}) neu aufgebaut: {count} Dokumente in {seconds:.1f} s")
        )
