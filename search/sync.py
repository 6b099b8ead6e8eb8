"""Keep the search index in step with publishing, through the outbox.

Signal handlers only write ``IndexTask`` rows, inside the editor's transaction; after the
commit a background task (``drain_task``, on the "background" task backend) applies all pending
rows to the engine, so a publish does not wait for the index (its lock, a slow Elasticsearch).
The outbox stays the truth: a task that is lost or fails leaves rows pending, which the next
drain applies, or ``manage.py maintenance`` (hourly) or ``search_sync``. A failing engine leaves
the rows pending and logs a warning: publishing never fails because of search. So does a lost index:
the engine does not start a new one for the few documents of a publish (it would look
healthy while missing everything else); the rows wait for ``search_rebuild``.

A document the engine rejects for good (a mapping error) is parked with the reason instead,
so that it does not hold up every later task (the oldest pending task goes first);
``search_status`` lists parked tasks, ``search_sync --retry-failed`` retries them.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task as background_task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from wagtail.models import Page

from cms.core import pagecache

from . import health
from .documents import document_for
from .engines import DocumentsRejected, EngineUnavailable, get_engine
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
    # robust: the rows are committed; if queuing the drain fails, it is logged and the next
    # drain or `manage.py maintenance` applies them. Publishing never fails because of search.
    transaction.on_commit(queue_drain, robust=True)


def enqueue_page(page: Page, action: str, with_descendants: bool = True) -> None:
    enqueue(_affected_ids(page) if with_descendants else [page.pk], action)


def pending() -> int:
    return IndexTask.objects.pending().count()


def retry_parked() -> int:
    """Make parked tasks pending again (``search_sync --retry-failed``); returns how many."""
    return IndexTask.objects.parked().update(parked_at=None)


@background_task(backend=settings.BACKGROUND_TASKS)
def drain_task() -> int:
    """``drain`` as a background task: run by the worker in production, at once in dev and tests."""
    return drain()


def queue_drain() -> None:
    """Ask the background worker to drain the outbox, unless a drain is already waiting for it.

    Runs after the commit of the rows. A drain task that no worker has claimed yet will read the
    outbox after this commit, so it covers these rows too: an import publishing thousands of
    pages leaves one waiting task, not thousands. One that is already running may have read the
    outbox before, so it does not count.
    """
    backend = drain_task.get_backend()
    if (
        isinstance(backend, DatabaseBackend)
        and DBTaskResult.objects.ready().filter(backend_name=backend.alias, task_path=drain_task.module_path).exists()
    ):
        return
    drain_task.enqueue()


def drain(engine=None) -> int:
    """Apply pending tasks to the engine; returns how many were applied (0 if the engine failed)."""
    health.forget()  # the pages changed: count them again before judging the index complete
    if not _drain_lock.acquire(blocking=False):
        return 0  # another thread of this process is draining; it will see our rows
    try:
        applied = _drain(engine)
    except Exception:  # noqa: BLE001 - publishing must never fail because of the index
        logger.exception("Index-Postausgang konnte nicht verarbeitet werden; die Aufträge bleiben offen")
        return 0
    finally:
        _drain_lock.release()
    if applied:
        # Cached pages show what the index says (search, map, similar projects): now outdated.
        pagecache.schedule_invalidation()
    return applied


def _drain(engine) -> int:
    applied = 0
    while True:
        tasks = list(IndexTask.objects.pending().order_by("pk")[:MAX_BATCH])
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
        rejected: dict[str, str] = {}
        try:
            (engine or get_engine()).bulk(index=to_index, delete=to_delete)
        except DocumentsRejected as exc:
            # Everything else was written; the rejected pages must not hold up later tasks.
            rejected = exc.rejected
        except Exception as exc:  # noqa: BLE001 - any engine failure leaves the rows pending
            if not isinstance(exc, EngineUnavailable | OSError):
                logger.exception("Unerwarteter Fehler der Suchmaschine")
            logger.warning("Suchindex nicht erreichbar, %s Aufträge bleiben offen: %s", len(tasks), exc)
            IndexTask.objects.filter(pk__in=task_ids).update(last_error=str(exc)[:2000], attempts=F("attempts") + 1)
            return applied
        now = timezone.now()
        parked = [t.pk for t in tasks if str(t.page_id) in rejected]
        for task in tasks:
            if task.pk in parked:
                logger.error(
                    "Index-Auftrag %s (Seite %s) zurückgestellt: %s", task.pk, task.page_id, rejected[str(task.page_id)]
                )
                IndexTask.objects.filter(pk=task.pk).update(
                    parked_at=now, last_error=rejected[str(task.page_id)][:2000], attempts=F("attempts") + 1
                )
        done = [pk for pk in task_ids if pk not in parked]
        IndexTask.objects.filter(pk__in=done).update(processed_at=now, last_error="")
        # A page indexed now no longer needs an earlier, parked attempt.
        written = [t.page_id for t in tasks if t.pk in done]
        IndexTask.objects.parked().filter(page_id__in=written).update(processed_at=now)
        applied += len(done)


def purge_processed(older_than_days: int = 7) -> int:
    cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
    deleted, _ = IndexTask.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
