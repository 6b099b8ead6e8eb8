"""The narrow interface every search engine implements.

Engines only index, find and count. Labels, the "selected value stays listed at 0" rule,
facet ordering and the database fallback live in ``search.service``, written once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from search.query import SearchRequest

Document = dict[str, Any]


class EngineUnavailable(Exception):
    """The engine cannot be reached or used right now; callers degrade instead of failing."""


class Problem(StrEnum):
    """Why an engine is degraded. Every one but UNREACHABLE needs ``search_rebuild``."""

    MISSING = "missing"  # no live index (never built, or deleted while the site ran)
    OUTDATED = "outdated"  # an index of another schema version: unusable until rebuilt
    UNREADABLE = "unreadable"  # the live index exists but cannot be opened or read
    INCOMPLETE = "incomplete"  # far fewer documents than the database has (search.health)
    UNREACHABLE = "unreachable"  # the engine (a server) does not answer


REASONS = {
    Problem.MISSING: _("Der Suchindex fehlt."),
    Problem.OUTDATED: _("Der Suchindex hat ein veraltetes Format."),
    Problem.UNREADABLE: _("Der Suchindex ist nicht lesbar."),
    Problem.INCOMPLETE: _("Der Suchindex ist unvollständig."),
    Problem.UNREACHABLE: _("Die Suchmaschine ist nicht erreichbar."),
}


@dataclass(frozen=True)
class EngineHealth:
    """Whether searches should use the engine, or the database fallback.

    ``reason`` is a short German sentence without paths or error texts: it is shown on
    ``/healthz``. ``documents`` is the live index's size, when it could be read.
    """

    problem: Problem | None = None
    documents: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def state(self) -> str:
        return "ok" if self.problem is None else "degraded"

    @property
    def reason(self) -> str:
        return "" if self.problem is None else str(REASONS[self.problem])


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

    def health(self) -> EngineHealth:
        """The live index's own state, cheaply and without creating anything.

        The default knows only what ``stats`` tells: reachable or not, and how many documents
        (an engine without a live index reports 0, which ``search.health`` then finds far
        fewer than the database has). Engines that can tell a missing or unreadable index
        apart override it. Comparing with the database is ``search.health``'s job: engines
        only index, find and count.
        """
        try:
            return EngineHealth(documents=int(self.stats()["documents"]))
        except EngineUnavailable:
            return EngineHealth(Problem.UNREACHABLE)

    @abstractmethod
    def clear(self) -> None:
        """Remove all documents (tests and benchmarks)."""
