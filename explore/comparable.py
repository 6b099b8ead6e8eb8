"""Kommunen wie meine: the visitor's municipality, finding it, and ranking with it.

The score itself is ``registry.comparability`` (a pure function of registry data); this
module applies it from the database: the picker (resolving what a visitor typed), the
session, and the page "Projekte für <Name>". The search re-ranks its hits with the same
score from their stored fields (``search/rerank.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from cms.core.converters import is_ascii_number
from cms.core.pagecache import has_session
from cms.projects.models import ProjectPage
from registry.comparability import COMPONENT_LABELS, WEIGHTS, Comparison, Profile, explain, score
from registry.models import Municipality

SESSION_KEY = "kommune"
AGS_RE = re.compile(r"^\d{8}$")
MAX_SUGGESTIONS = 15  # the JSON autocomplete
MAX_CHOICES = 30  # the radio list of the picker
MAX_INPUT_CHARS = 100
TOP_PROJECTS = 30
# "Name (Kreis, Land)": the label of the choice list and the autocomplete, resolvable again.
_LABEL_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<district>[^()]*),\s*(?P<state>[^(),]*)\)$")


def municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("state", "district")


def get_municipality(ags: str | None) -> Municipality | None:
    if not ags or not AGS_RE.match(ags):
        return None
    return municipalities().filter(ags=ags).first()


def label(m: Municipality) -> str:
    return f"{m.name} ({m.district.name}, {m.state.name})"


# ----------------------------------------------------------------- session


def remembered_ags(request) -> str | None:
    """The AGS remembered in the session, unchecked; None without touching the session if there is none.

    A visitor without a session cookie has nothing remembered, and leaving the session alone keeps
    their pages (``/suche/``, ``/karte/``) the same for all of them, so they can be cached
    (cms.core.pagecache).
    """
    return request.session.get(SESSION_KEY) if has_session(request) else None


def remembered(request) -> Municipality | None:
    """The municipality remembered in the session; a stale key (e.g. after a merger) is dropped."""
    ags = remembered_ags(request)
    if not ags:
        return None
    municipality = get_municipality(str(ags))
    if municipality is None:
        request.session.pop(SESSION_KEY, None)
    return municipality


def remember(request, municipality: Municipality) -> None:
    if request.session.get(SESSION_KEY) != municipality.ags:
        request.session[SESSION_KEY] = municipality.ags


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


# ----------------------------------------------------------------- finding a municipality


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:MAX_INPUT_CHARS]


def _as_ags(text: str) -> str | None:
    digits = text.replace(" ", "")
    return digits if is_ascii_number(digits) else None


def _variants(text: str) -> set[str]:
    # SQLite folds case for ASCII only; these spellings cover "überlingen", "ÜBERLINGEN" and
    # "bad überkingen". PostgreSQL folds case itself. Python re-checks every candidate.
    return {text, text.lower(), text.upper(), text[:1].upper() + text[1:].lower(), text.title()}


def _by_name(text: str, lookup: str, limit: int) -> list[Municipality]:
    query = Q()
    for variant in _variants(text):
        query |= Q(**{f"name__{lookup}": variant})
    folded = text.casefold()
    test = {
        "iexact": lambda name: name == folded,
        "istartswith": lambda name: name.startswith(folded),
        "icontains": lambda name: folded in name,
    }[lookup]
    candidates = municipalities().filter(query).order_by("-population", "name", "ags")[: limit * 2 + 10]
    return [m for m in candidates if test(m.name.casefold())][:limit]


def find(text: str, limit: int = MAX_SUGGESTIONS, contains: bool = True) -> list[Municipality]:
    """Municipalities for what a visitor typed: AGS prefix, or exact, prefix and inner name matches.

    Within each group the larger municipality comes first (the likelier meaning of "Neustadt").
    """
    text = normalise(text)
    if not text:
        return []
    digits = _as_ags(text)
    if digits is not None:
        return list(municipalities().filter(ags__startswith=digits[:8]).order_by("ags")[:limit])
    found: list[Municipality] = []
    seen: set[str] = set()
    for lookup in ("iexact", "istartswith", *(("icontains",) if contains else ())):
        if len(found) >= limit:
            break
        for m in _by_name(text, lookup, limit):
            if m.ags not in seen and len(found) < limit:
                seen.add(m.ags)
                found.append(m)
    return found


@dataclass
class Resolution:
    """What the picker does with an input: one municipality, a choice list, or an error."""

    municipality: Municipality | None = None
    choices: list[Municipality] = field(default_factory=list)
    more: bool = False  # more matches than MAX_CHOICES
    error: str = ""


def resolve(text: str) -> Resolution:
    """An 8-digit AGS exactly; a "Name (Kreis, Land)" label; else a name: exact, then prefix.

    One match is the answer; several become a choice list. Names that only contain the
    input are offered as choices, never taken on their own.
    """
    text = normalise(text)
    if not text:
        return Resolution(error="Bitte geben Sie den Namen oder den Gemeindeschlüssel Ihrer Kommune ein.")
    digits = _as_ags(text)
    if digits is not None:
        if len(digits) != 8:
            return Resolution(
                error=f"„{text}“ ist kein Gemeindeschlüssel: Der Amtliche Gemeindeschlüssel hat acht Ziffern, "
                "z. B. 08315084."
            )
        municipality = get_municipality(digits)
        if municipality is None:
            return Resolution(error=f"Zum Gemeindeschlüssel {digits} gibt es keine Kommune im Gemeindeverzeichnis.")
        return Resolution(municipality=municipality)

    labelled = _LABEL_RE.match(text)
    if labelled:
        exact = [
            m
            for m in _by_name(labelled["name"], "iexact", MAX_CHOICES)
            if m.district.name.casefold() == labelled["district"].strip().casefold()
            and m.state.name.casefold() == labelled["state"].strip().casefold()
        ]
        if len(exact) == 1:
            return Resolution(municipality=exact[0])
        if exact:  # the same name twice in one district: only the AGS tells them apart
            return Resolution(choices=exact)

    for lookup in ("iexact", "istartswith", "icontains"):
        matches = _by_name(text, lookup, MAX_CHOICES + 1)
        if not matches:
            continue
        if len(matches) == 1 and lookup != "icontains":
            return Resolution(municipality=matches[0])
        return Resolution(choices=matches[:MAX_CHOICES], more=len(matches) > MAX_CHOICES)
    return Resolution(
        error=f"„{text}“ haben wir im Gemeindeverzeichnis nicht gefunden. Bitte prüfen Sie die Schreibweise "
        "oder geben Sie den achtstelligen Gemeindeschlüssel ein."
    )


# ----------------------------------------------------------------- projects for a municipality


@dataclass
class RankedProject:
    page: ProjectPage
    comparison: Comparison
    explanation: str
    shared_partners: int

    @property
    def points(self) -> list[tuple[str, float, float]]:
        """(label, points, maximum) per component, for "Punkte im Einzelnen"."""
        return [(COMPONENT_LABELS[k], self.comparison.components.get(k, 0.0), w) for k, w in WEIGHTS.items()]


def shared_partner_count(mine: Profile, partner_ags: Iterable[str]) -> int:
    """Partner municipalities (by AGS) that are the visitor's municipality or lie in its district."""
    return sum(1 for ags in partner_ags if ags == mine.ags or ags[:5] == mine.district_ags)


def rank_projects(municipality: Municipality, limit: int = TOP_PROJECTS) -> tuple[list[RankedProject], int]:
    """(the ``limit`` most comparable live, public projects, how many were compared).

    Computed from the database on every request, in five queries whatever the number of
    projects: the view restrictions (for ``public()``), (id, title, lead) of all live public
    projects, their lead municipalities, their partners' AGS, and the pages of the top ``limit``. Scoring costs about 20 µs per
    project in Python, so a few thousand projects add well under 0.1 s; beyond that, cache
    the ranking per municipality or precompute it.
    Projects without a lead municipality cannot be compared and are left out.
    """
    mine = Profile.from_municipality(municipality)
    pages = ProjectPage.objects.live().public().filter(lead_municipality__isnull=False)
    rows = list(pages.values_list("pk", "title", "lead_municipality_id"))
    leads = {
        m.pk: Profile.from_municipality(m)
        for m in Municipality.objects.select_related("state").filter(pk__in=pages.values("lead_municipality_id"))
    }
    through = ProjectPage._meta.get_field("partner_municipalities").remote_field.through
    partner_ags: dict[int, list[str]] = {}
    for page_id, ags in through.objects.filter(projectpage_id__in=pages.values("pk")).values_list(
        "projectpage_id", "municipality__ags"
    ):
        partner_ags.setdefault(page_id, []).append(ags)

    scored: list[tuple[float, str, int, Comparison, Profile, int]] = []
    for pk, title, lead_id in rows:
        other = leads[lead_id]
        partners = shared_partner_count(mine, partner_ags.get(pk, []))
        comparison = score(mine, other, shared_partners=partners)
        scored.append((-comparison.score, title.casefold(), pk, comparison, other, partners))
    scored.sort(key=lambda entry: entry[:3])
    top = scored[:limit]
    by_pk = (
        ProjectPage.objects.select_related("lead_municipality__state")
        .defer("body", "problem", "solution", "transferability", "lessons_learned")
        .in_bulk([entry[2] for entry in top])
    )
    ranked = [
        RankedProject(by_pk[pk], comparison, explain(mine, other, shared_partners=partners), partners)
        for _, _, pk, comparison, other, partners in top
        if pk in by_pk
    ]
    return ranked, len(rows)
