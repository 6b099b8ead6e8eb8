"""Find the registry municipality a person means from what they typed.

The form must work without JavaScript, so the server does the "autocomplete": an AGS is exact,
a name is looked up, and when a name is not unique (17 municipalities start with "Neustadt")
the form comes back with the candidates to choose from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, Value, When

from cms.core.converters import is_ascii_number
from registry.models import Municipality

MAX_CANDIDATES = 20
AGS_RE = re.compile(r"^\d{8}$")
# The datalist offers "Name (Kreis, Land, 09162000)"; the trailing AGS makes that value exact.
TRAILING_AGS_RE = re.compile(r"(\d{8})\s*\)?\s*$")


@dataclass
class Resolution:
    """The outcome of a lookup: one municipality, or candidates to choose from, or nothing."""

    municipality: Municipality | None = None
    candidates: list[Municipality] = field(default_factory=list)
    more: bool = False  # more matches than MAX_CANDIDATES exist
    by_ags: bool = False


def _base():
    return Municipality.objects.select_related("district", "state")


def extract_ags(text: str) -> str | None:
    text = text.strip()
    if AGS_RE.match(text):
        return text
    match = TRAILING_AGS_RE.search(text)
    return match.group(1) if match else None


def search(query: str, limit: int = MAX_CANDIDATES) -> tuple[list[Municipality], bool]:
    """Municipalities whose name or AGS matches; exact names first, then prefixes, then the rest.

    Returns the first ``limit`` matches and whether there were more.
    """
    query = query.strip()
    if not query:
        return [], False
    if is_ascii_number(query):
        qs = _base().filter(ags__startswith=query).order_by("ags")
    else:
        qs = (
            _base()
            .filter(Q(name__icontains=query) | Q(name_official__icontains=query))
            .annotate(
                rank=Case(
                    When(name__iexact=query, then=Value(0)),
                    When(name__istartswith=query, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("rank", "name", "ags")
        )
    found = list(qs[: limit + 1])
    return found[:limit], len(found) > limit


def resolve(query: str) -> Resolution:
    """Resolve the text of the municipality field.

    An 8-digit AGS (alone or at the end, as the datalist writes it) is exact. A name that exactly
    one municipality carries is exact as well; anything else yields candidates, never a guess.
    """
    query = query.strip()
    if not query:
        return Resolution()
    ags = extract_ags(query)
    if ags:
        municipality = _base().filter(ags=ags).first()
        if municipality is not None:
            return Resolution(municipality=municipality, by_ags=True)
        if AGS_RE.match(query):
            return Resolution(by_ags=True)
        # "Foo (…, 12345678)" with an unknown AGS: fall back to the name before the bracket.
        query = query.split("(")[0].strip() or query
    exact = list(_base().filter(name__iexact=query).order_by("ags")[: MAX_CANDIDATES + 1])
    if len(exact) == 1:
        return Resolution(municipality=exact[0])
    if exact:
        return Resolution(candidates=exact[:MAX_CANDIDATES], more=len(exact) > MAX_CANDIDATES)
    candidates, more = search(query)
    return Resolution(candidates=candidates, more=more)
