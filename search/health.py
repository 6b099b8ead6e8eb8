"""Is the search engine fit to answer, or should searches use the database fallback?

The engine knows whether its live index exists and can be read (``SearchEngine.health``).
Only the database knows whether the index is complete: an index that holds far fewer
documents than there are indexable pages (lost and refilled by a few publishes, or built
from an empty database) answers searches, but wrongly. Both checks are combined here, in
the layer that may ask the database.

Cost per search request: the database count is cached for COUNT_TTL seconds per process,
and the combined result for HEALTH_TTL seconds per engine object, so a search normally pays
a dictionary lookup. Publishing forgets the count (``forget``), ``search_rebuild`` both.
"""

from __future__ import annotations

import threading
import time
import weakref

from django.db import DatabaseError

from .documents import indexable_count
from .engines import EngineHealth, EngineMisconfigured, EngineUnavailable, Problem, SearchEngine, get_engine

# "Far fewer": the live index holds less than half of the database's indexable pages. Half
# lies far from the normal gap (a few publishes still in the outbox, which ``search_sync``
# replays) and far from a lost index refilled by a few publishes (1 of 113 in the incident
# that led to this check). An index with documents while the database has none is fine.
MIN_INDEXED_SHARE = 0.5
COUNT_TTL = 60.0  # seconds the number of indexable pages is reused
HEALTH_TTL = 5.0  # seconds an engine's combined health is reused

_lock = threading.Lock()
_count: tuple[float, int] | None = None  # (monotonic time, indexable pages)
_checked: weakref.WeakKeyDictionary[SearchEngine, tuple[float, EngineHealth]] = weakref.WeakKeyDictionary()


def forget(engine: SearchEngine | None = None) -> None:
    """Drop the cached count and results: after a publish or a rebuild, and between tests.

    With ``engine``, only that engine's cached result: it just failed, so a cached "ok"
    must not hide that from ``/healthz`` for the next seconds.
    """
    global _count
    with _lock:
        if engine is not None:
            _checked.pop(engine, None)
            return
        _count = None
        _checked.clear()


def expected_documents() -> int:
    """Indexable pages in the database, counted as ``search_rebuild`` counts them, cached."""
    global _count
    now = time.monotonic()
    with _lock:
        if _count is not None and now - _count[0] < COUNT_TTL:
            return _count[1]
    count = indexable_count()
    with _lock:
        _count = (now, count)
    return count


def too_few(documents: int, expected: int) -> bool:
    """Whether an index of ``documents`` is far smaller than the ``expected`` (see MIN_INDEXED_SHARE)."""
    return documents < expected * MIN_INDEXED_SHARE


def check(engine: SearchEngine | None = None, *, use_cache: bool = True) -> EngineHealth:
    """The engine's health, degraded also when its index is far smaller than the database.

    If the database cannot be asked, the engine's own state is returned (and not cached):
    ``/healthz`` then still says something true about search.
    """
    engine = engine or get_engine()
    now = time.monotonic()
    if use_cache:
        with _lock:
            cached = _checked.get(engine)
        if cached is not None and now - cached[0] < HEALTH_TTL:
            return cached[1]
    try:
        health = engine.health()
    except EngineMisconfigured as exc:  # it answers, but refuses us
        health = EngineHealth(Problem.MISCONFIGURED, detail=str(exc))
    except EngineUnavailable as exc:  # an engine whose health call itself fails is not reachable
        health = EngineHealth(Problem.UNREACHABLE, detail=str(exc))
    if health.ok and health.documents is not None:
        try:
            expected = expected_documents() if use_cache else indexable_count()
        except DatabaseError:
            return health
        if too_few(health.documents, expected):
            health = EngineHealth(Problem.INCOMPLETE, documents=health.documents)
    with _lock:
        _checked[engine] = (now, health)
    return health
