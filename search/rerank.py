"""The search sort "passend": hits re-ranked by how comparable their municipality is.

The score is ``registry.comparability``, as on "Projekte für <Name>" (``explore/comparable.py``),
but computed from the index documents' stored fields instead of the database pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.comparability import Comparison, Profile, score
from registry.models import Municipality

# The search sort "passend" re-ranks this many hits of the filtered query (in the engine's
# relevance order); hits beyond it are not reached by "passend".
RERANK_LIMIT = 1000


def _first(value) -> str:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value or "")


def coordinates(documents: Iterable[dict]) -> dict[str, tuple[float, float]]:
    """Centroids of the documents' municipalities: one query for the whole result list."""
    wanted = {_first(d.get("municipality_ags")) for d in documents} - {""}
    if not wanted:
        return {}
    rows = Municipality.objects.filter(ags__in=wanted).values_list("ags", "lat", "lon")
    return {ags: (lat, lon) for ags, lat, lon in rows}


def document_profile(document: dict, coords: dict[str, tuple[float, float]] | None = None) -> Profile | None:
    """The lead municipality of an index document, from its stored fields (None if it has none)."""
    ags = _first(document.get("municipality_ags"))
    if not ags:
        return None
    lat, lon = (coords or {}).get(ags, (None, None))
    return Profile(
        ags=ags,
        name=str(document.get("municipality_name") or ""),
        population=int(document.get("population") or 0),
        size_class=_first(document.get("size_class")),
        urbanisation=str(document.get("urbanisation") or ""),
        state_code=_first(document.get("state")) or ags[:2],
        state_name=str(document.get("state_name") or ""),
        district_ags=ags[:5],
        lat=lat,
        lon=lon,
    )


def compare_documents(mine: Profile, documents: list[dict]) -> list[tuple[Profile, Comparison] | None]:
    """(the document's municipality, its comparison with ``mine``) per document; None without one.

    One query for the centroids of all documents' municipalities, none per document. No
    partner data is indexed, so search scores have no partner bonus.
    """
    coords = coordinates(documents)
    compared: list[tuple[Profile, Comparison] | None] = []
    for document in documents:
        other = document_profile(document, coords)
        compared.append((other, score(mine, other)) if other is not None else None)
    return compared


def passend_order(compared: list[tuple[Profile, Comparison] | None]) -> list[int]:
    """Indexes in "passend" order: by score, ties in the order given (the engine's relevance);
    documents without a municipality (guides, checklists) last, also by relevance."""

    def key(i: int) -> tuple[bool, float, int]:
        entry = compared[i]
        return (entry is None, -entry[1].score if entry else 0.0, i)

    return sorted(range(len(compared)), key=key)
