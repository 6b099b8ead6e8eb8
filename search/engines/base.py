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


class EngineMisconfigured(EngineUnavailable):
    """The engine answers, but refuses us: wrong credentials (401/403), not the expected
    product or version, or a request it calls malformed (400, a bug of ours).

    Waiting does not help, unlike an outage or overload. It is still an EngineUnavailable, so
    the search page degrades and publishing keeps its outbox rows; but it is logged as an
    error with the server's answer, and ``search_rebuild`` fails naming the cause.
    """


class DocumentsRejected(Exception):  # noqa: N818 - a result the caller acts on, not a crash
    """The write went through except for some documents the engine rejects for good.

    ``rejected`` maps document id to the engine's reason (e.g. a mapping error). Retrying the
    same document cannot succeed, so the outbox parks its task instead of retrying it before
    every later one; all other documents of the write are applied.
    """

    def __init__(self, rejected: dict[str, str]):
        self.rejected = dict(rejected)
        super().__init__("; ".join(f"{doc_id}: {reason}" for doc_id, reason in sorted(self.rejected.items())))


class Problem(StrEnum):
    """Why an engine is degraded. All but UNREACHABLE and MISCONFIGURED need ``search_rebuild``."""

    MISSING = "missing"  # no live index (never built, or deleted while the site ran)
    OUTDATED = "outdated"  # an index of another schema version: unusable until rebuilt
    UNREADABLE = "unreadable"  # the live index exists but cannot be opened or read
    INCOMPLETE = "incomplete"  # far fewer documents than the database has (search.health)
    UNREACHABLE = "unreachable"  # the engine (a server) does not answer
    # A concrete index holds the alias's name (auto-created by a write while the alias was
    # gone); ``search_rebuild`` replaces it by the alias (Elasticsearch).
    SHADOWED = "shadowed"
    # The engine refuses us: credentials, product/version or a malformed request. Neither
    # waiting nor a rebuild helps; the configuration (or the code) must be fixed.
    MISCONFIGURED = "misconfigured"


REASONS = {
    Problem.MISSING: _("Der Suchindex fehlt."),
    Problem.OUTDATED: _("Der Suchindex hat ein veraltetes Format."),
    Problem.UNREADABLE: _("Der Suchindex ist nicht lesbar."),
    Problem.INCOMPLETE: _("Der Suchindex ist unvollständig."),
    Problem.UNREACHABLE: _("Die Suchmaschine ist nicht erreichbar."),
    Problem.SHADOWED: _("Ein Index ohne Alias belegt den Namen des Suchindex."),
    Problem.MISCONFIGURED: _("Die Suchmaschine weist die Anfragen ab (Zugangsdaten, Version oder Anfrage prüfen)."),
}


@dataclass(frozen=True)
class EngineHealth:
    """Whether searches should use the engine, or the database fallback.

    ``reason`` is a short German sentence without paths or error texts: it is shown on
    ``/healthz``. ``documents`` is the live index's size, when it could be read. ``detail``
    is the engine's own answer (an error type and reason) for operators: ``search_status``
    shows it, ``/healthz`` never does.
    """

    problem: Problem | None = None
    documents: int | None = None
    detail: str = ""

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
    # The hits match most, not all, of the query's words (search.analysis_query): the search
    # page says so ("Treffer, die nicht alle Suchwörter enthalten").
    relaxed: bool = False


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
        except EngineMisconfigured as exc:
            return EngineHealth(Problem.MISCONFIGURED, detail=str(exc))
        except EngineUnavailable as exc:
            return EngineHealth(Problem.UNREACHABLE, detail=str(exc))

    @abstractmethod
    def clear(self) -> None:
        """Remove all documents (tests and benchmarks)."""
