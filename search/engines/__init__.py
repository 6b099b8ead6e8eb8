"""Engine selection: ``SEARCH_ENGINE`` = ``embedded`` (default) or ``elasticsearch``."""

from __future__ import annotations

import threading

from django.conf import settings

from .base import EngineHit, EngineResult, EngineUnavailable, SearchEngine

__all__ = ["EngineHit", "EngineResult", "EngineUnavailable", "SearchEngine", "get_engine", "reset_engine"]

_lock = threading.Lock()
_engine: SearchEngine | None = None


def build_engine(name: str | None = None, **options) -> SearchEngine:
    name = name or getattr(settings, "SEARCH_ENGINE", "embedded")
    if name == "embedded":
        from .embedded import EmbeddedEngine

        return EmbeddedEngine(path=options.get("path") or settings.SEARCH_INDEX_DIR)
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
