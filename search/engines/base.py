"""The narrow interface every search engine implements.

Engines only index, find and count. Labels, the "selected value stays listed at 0" rule,
facet ordering and the database fallback live in ``search.service``, written once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from search.query import SearchRequest

Document = dict[str, Any]


class EngineUnavailable(Exception):
    """The engine cannot be reached or used right now; callers degrade instead of failing."""


@dataclass
class EngineHit:
    id: str
    score: float
    source: Document  # the stored fields, enough to render a result card without the database
    snippet: str = ""  # HTML with <mark> around matches; everything else escaped


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    facet_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    took_ms: float = 0.0


class SearchEngine(ABC):
    name: str = "abstract"
    # Capability flags, as in Wagtail's search backends: tests and views read them.
    supports_german_stemming: bool = False
    supports_compound_splitting: bool = False
    supports_fuzzy: bool = False
    supports_phrases: bool = False
    supports_highlighting: bool = False
    supports_more_like_this: bool = False
    supports_suggest: bool = False
    supports_atomic_rebuild: bool = False

    @abstractmethod
    def bulk(self, index: Iterable[Document] = (), delete: Iterable[str] = ()) -> None:
        """Upsert and delete documents by id, visible to searches when this returns."""

    def index(self, documents: Iterable[Document]) -> None:
        self.bulk(index=documents)

    def delete(self, ids: Iterable[str]) -> None:
        self.bulk(delete=ids)

    @abstractmethod
    def search(self, request: SearchRequest) -> EngineResult:
        """Hits filtered by every facet selection; counts per facet under the other facets' selections."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for what the user is typing (titles and tags)."""

    @abstractmethod
    def more_like_this(self, doc_id: str, limit: int = 4) -> list[EngineHit]:
        """Documents similar to ``doc_id``, excluding it."""

    @abstractmethod
    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index with ``documents``; searches keep working meanwhile."""

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """At least ``{"documents": int}``."""

    @abstractmethod
    def clear(self) -> None:
        """Remove all documents (tests and benchmarks)."""
