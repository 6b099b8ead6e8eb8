import json

from django.core.management.base import BaseCommand

from search.documents import indexable_count
from search.engines import EngineUnavailable, get_engine
from search.models import IndexTask


class Command(BaseCommand):
    help = "Zeigt Dokumente in Datenbank und Suchindex sowie offene Index-Aufträge."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        engine = get_engine()
        status = {"engine": engine.name, "documents_db": indexable_count()}
        try:
            status |= {"documents_index": engine.stats()["documents"], "reachable": True}
        except EngineUnavailable as exc:
            status |= {"documents_index": None, "reachable": False, "error": str(exc)}
        open_tasks = IndexTask.objects.filter(processed_at__isnull=True)
        status["pending_tasks"] = open_tasks.count()
        oldest = open_tasks.order_by("pk").first()
        status["oldest_pending"] = oldest.created_at.isoformat() if oldest else None
        status["in_sync"] = (
            status["reachable"] and status["documents_index"] == status["documents_db"] and not status["pending_tasks"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(status, ensure_ascii=False))
            return
        self.stdout.write(
            f"Suchmaschine:           {status['engine']} ({'erreichbar' if status['reachable'] else 'NICHT erreichbar'})"
        )
        self.stdout.write(f"Dokumente (Datenbank):  {status['documents_db']}")
        self.stdout.write(f"Dokumente (Suchindex):  {status['documents_index']}")
        self.stdout.write(f"Offene Index-Aufträge:  {status['pending_tasks']}")
        self.stdout.write(
            self.style.SUCCESS("Synchron.")
            if status["in_sync"]
            else self.style.WARNING("Nicht synchron: `manage.py search_sync` oder `search_rebuild` ausführen.")
        )
