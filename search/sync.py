"""Keep the search index in step with publishing, through the outbox.

Signal handlers only write ``IndexTask`` rows, inside the editor's transaction; after the
commit ``drain`` applies all pending rows to the engine. A failing engine leaves the rows
pending and logs a warning: publishing never fails because of search. So does a lost index:
the engine does not start a new one for the few documents of a publish (it would look
healthy while missing everything else); the rows wait for ``search_rebuild``.
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from . import health
from .documents import document_for
from .engines import EngineUnavailable, get_engine
from .models import IndexTask

logger = logging.getLogger(__name__)
_drain_lock = threading.Lock()
MAX_BATCH = 500


def _affected_ids(page: Page) -> list[int]:
    """The page and its descendants: reports inherit their project's facets and URL."""
    return [page.pk, *Page.objects.descendant_of(page).values_list("pk", flat=True)]


def enqueue(page_ids: list[int], action: str) -> None:
    if not page_ids:
        return
    IndexTask.objects.bulk_create([IndexTask(page_id=pk, action=action) for pk in page_ids])
    health.forget()  # the number of indexable pages may change (again after the commit, in drain)
    transaction.on_commit(drain)


def enqueue_page(page: Page, action: str, with_descendants: bool = True) -> None:
    enqueue(_affected_ids(page) if with_descendants else [page.pk], action)


def pending() -> int:
    return IndexTask.objects.filter(processed_at__isnull=True).count()


def drain(engine=None) -> int:
    """Apply pending tasks to the engine; returns how many were applied (0 if the engine failed)."""
    health.forget()  # the pages changed: count them again before judging the index complete
    if not _drain_lock.acquire(blocking=False):
        return 0  # another thread of this process is draining; it will see our rows
    try:
        return _drain(engine)
    except Exception:  # noqa: BLE001 - publishing must never fail because of the index
        logger.exception("Index-Postausgang konnte nicht verarbeitet werden; die Aufträge bleiben offen")
        return 0
    finally:
        _drain_lock.release()


def _drain(engine) -> int:
    applied = 0
    while True:
        tasks = list(IndexTask.objects.filter(processed_at__isnull=True).order_by("pk")[:MAX_BATCH])
        if not tasks:
            return applied
        # The last task per page decides; the page's current state decides what "index" means.
        latest: dict[int, IndexTask] = {}
        for task in tasks:
            latest[task.page_id] = task
        pages = {p.pk: p for p in Page.objects.filter(pk__in=latest).specific()}
        to_index, to_delete = [], []
        for page_id, task in latest.items():
            page = pages.get(page_id)
            document = document_for(page) if task.action == IndexTask.Action.INDEX and page is not None else None
            if document is not None:
                to_index.append(document)
            else:
                to_delete.append(str(page_id))
        task_ids = [t.pk for t in tasks]
        try:
            (engine or get_engine()).bulk(index=to_index, delete=to_delete)
        except Exception as exc:  # noqa: BLE001 - any engine failure leaves the rows pending
            if not isinstance(exc, EngineUnavailable | OSError):
                logger.exception("Unerwarteter Fehler der Suchmaschine")
            logger.warning("Suchindex nicht erreichbar, %s Aufträge bleiben offen: %s", len(tasks), exc)
            IndexTask.objects.filter(pk__in=task_ids).update(last_error=str(exc)[:2000], attempts=F("attempts") + 1)
            return applied
        IndexTask.objects.filter(pk__in=task_ids).update(processed_at=timezone.now(), last_error="")
        applied += len(tasks)


def purge_processed(older_than_days: int = 7) -> int:
    cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
    deleted, _ = IndexTask.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
