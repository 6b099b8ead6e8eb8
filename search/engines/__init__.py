"""Engine selection: ``SEARCH_ENGINE`` = ``embedded`` (default) or ``elasticsearch``."""

from __future__ import annotations

import threading

from django.conf import settings

from .base import (
    DocumentsRejected,
    EngineHealth,
    EngineHit,
    EngineMisconfigured,
    EngineResult,
    EngineUnavailable,
    Problem,
    SearchEngine,
)

__all__ = [
    "DocumentsRejected",
    "EngineHealth",
    "EngineHit",
    "EngineMisconfigured",
    "EngineResult",
    "EngineUnavailable",
    "Problem",
    "SearchEngine",
    "get_engine",
    "reset_engine",
]

_lock = threading.Lock()
_engine: SearchEngine | None = None


def build_engine(name: str | None = None, **options) -> SearchEngine:
    name = name or getattr(settings, "SEARCH_ENGINE", "embedded")
    if name == "embedded":
        from .embedded import EmbeddedEngine

        # The site's engine never creates its index on the fly: a missing one is a lost one,
        # and only ``search_rebuild`` may make a new one (see EmbeddedEngine).
        return EmbeddedEngine(path=options.get("path") or settings.SEARCH_INDEX_DIR, create_if_missing=False)
    if name == "elasticsearch":
        from .elastic import ElasticsearchEngine

        return ElasticsearchEngine(
            url=options.get("url") or settings.ELASTICSEARCH_URL,
            index_prefix=options.get("index_prefix") or settings.ELASTICSEARCH_INDEX_PREFIX,
        )
    raise ValueError(f"Unknown SEARCH_ENGINE {name!r}; use 'embedded' or 'elasticsearch'")


def get_engine() -> SearchEngine:
    """The process-wide engine configured in settings."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = build_engine()
        return _engine


def reset_engine(engine: SearchEngine | None = None) -> None:
    """Swap the process-wide engine (tests)."""
    global _engine
    with _lock:
        _engine = engine
