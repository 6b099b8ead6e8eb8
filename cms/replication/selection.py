"""What a visitor has chosen: their municipality (``kommune``) and the projects to compare (``p``).

The municipality comes from the URL (``?kommune=<AGS>``) or from ``request.session["kommune"]``,
which the "Kommunen wie meine" feature sets. The comparison lives in the URL (``?p=<id>&p=<id>``);
``request.session["vergleich"]`` keeps the last selection so that "Zum Vergleich hinzufügen" on
another project page can add to it. A visitor without a session has neither, and the session is
then not touched at all: their pages do not depend on it and can be cached (cms.core.pagecache);
a visitor with a session gets pages rendered for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from cms.core.converters import parse_id
from cms.core.pagecache import has_session
from registry.models import Municipality

SESSION_KOMMUNE = "kommune"
SESSION_COMPARE = "vergleich"
MIN_COMPARE = 2
MAX_COMPARE = 4

AGS_RE = re.compile(r"^\d{8}$")


class InvalidKommune(ValueError):
    """The ``kommune`` URL parameter is not the AGS of a municipality in the registry."""


def _municipality(ags: str) -> Municipality | None:
    return Municipality.objects.select_related("state").filter(ags=ags).first()


def visitor_municipality(request) -> tuple[Municipality | None, bool]:
    """The visitor's municipality and whether it came from the URL; raises InvalidKommune.

    An empty ``?kommune=`` means "without my municipality", even if the session has one.
    A stale or malformed session value is ignored rather than refused.
    """
    if "kommune" in request.GET:
        ags = request.GET.get("kommune", "").strip()
        if not ags:
            return None, True
        if not AGS_RE.fullmatch(ags):
            raise InvalidKommune(
                f"„{ags[:20]}“ ist kein gültiger Amtlicher Gemeindeschlüssel. Bitte geben Sie die acht Ziffern "
                "des Gemeindeschlüssels an, z. B. 12073069."
            )
        municipality = _municipality(ags)
        if municipality is None:
            raise InvalidKommune(f"Zum Gemeindeschlüssel {ags} ist keine Gemeinde verzeichnet.")
        return municipality, True
    ags = request.session.get(SESSION_KOMMUNE) if has_session(request) else None
    if isinstance(ags, str) and AGS_RE.fullmatch(ags):
        return _municipality(ags), False
    return None, False


# ---------------------------------------------------------------------------------------------
# Comparison selection
# ---------------------------------------------------------------------------------------------


def unique(ids) -> list[int]:
    seen: list[int] = []
    for value in ids:
        if value not in seen:
            seen.append(value)
    return seen


def session_selection(request) -> list[int]:
    raw = request.session.get(SESSION_COMPARE, []) if has_session(request) else []
    if not isinstance(raw, list):
        return []
    return unique(v for v in raw if isinstance(v, int) and not isinstance(v, bool) and v > 0)[:MAX_COMPARE]


def store_selection(request, ids: list[int]) -> None:
    request.session[SESSION_COMPARE] = unique(ids)[:MAX_COMPARE]


def parse_ids(values: list[str]) -> tuple[list[int], list[str]]:
    """Project ids from ``p`` values, duplicates dropped; and the values that are not ids at all."""
    ids, invalid = [], []
    for value in values:
        value = value.strip()
        number = parse_id(value)
        if number is not None:
            ids.append(number)
        elif value:
            invalid.append(value)
    return unique(ids), invalid


def compare_url(ids: list[int]) -> str:
    base = reverse("replication:compare")
    return f"{base}?{urlencode([('p', i) for i in ids])}" if ids else base


@dataclass(frozen=True)
class CompareState:
    """What a project page needs for its "Zum Vergleich hinzufügen" link."""

    selection: list[int]
    project_id: int

    @property
    def count(self) -> int:
        return len(self.selection)

    @property
    def contains(self) -> bool:
        return self.project_id in self.selection

    @property
    def full(self) -> bool:
        return not self.contains and self.count >= MAX_COMPARE

    @property
    def add_url(self) -> str:
        return compare_url(unique([*self.selection, self.project_id]))

    @property
    def view_url(self) -> str:
        return compare_url(self.selection)

    @property
    def max(self) -> int:
        return MAX_COMPARE


def compare_state(request, project_id: int) -> CompareState:
    """The current selection: ``p`` ids in this page's URL first, else the session's."""
    from_url, _ = parse_ids(request.GET.getlist("p")) if request is not None else ([], [])
    selection = from_url[:MAX_COMPARE] if from_url else (session_selection(request) if request is not None else [])
    return CompareState(selection=selection, project_id=project_id)
