"""How comparable two municipalities are: the score behind "Kommunen wie meine".

A pure, documented function of registry data (no database, no search engine, no
learned weights): given the visitor's municipality and the lead municipality of a
project, it returns a number from 0 to 100, the points per component and the reasons in
German words. Pages in the layers above rank with it; nothing here knows about them.

Components and weights (points; the maximum adds up to 100)
-----------------------------------------------------------

==============  ========  ==============================================================
Component       Points    Rule
==============  ========  ==============================================================
size_class      40 / 10   same BBSR size class (Landgemeinde, Kleinstadt, Mittelstadt,
                          Großstadt); 10 for the adjacent class, 0 otherwise
population      0 … 25    25 × smaller population / larger population
urbanisation    15 / 7    same degree of urbanisation (Destatis/Eurostat DEGURBA:
                          dicht / mittel / gering besiedelt); 7 for the adjacent degree
state           5         same state (Land)
proximity       5         same district, or the two centroids at most 40 km apart
                          (great-circle distance), which we call "Nachbarkreis"
partners        0 … 10    5 per shared intermunicipal partner, at most two count
==============  ========  ==============================================================

Why these weights
-----------------

* **Size class (40)** is what a municipality means by "places like mine": it decides
  staff, budget, whether there is an IT department at all, and which questions a project
  answers. It is the largest single component, but not a lexicographic rule: the next
  class still gets 10 points, so a neighbour just across a class boundary (4,900 vs 5,100
  inhabitants) is not ranked below every far-away village of 300.
* **Population ratio (25)** orders within a class and softens the class boundaries:
  2,800 and 3,100 inhabitants are closer than 2,800 and 4,900. The plain ratio is
  explainable in one sentence ("twice as large loses half of the points").
* **Urbanisation (15)**: a Kleinstadt in a metropolitan suburb faces other problems
  (traffic, density) than a Kleinstadt in the countryside (distances, broadband); the
  degree of urbanisation captures that independently of population.
* **State (5) and proximity (5)** are tie-breaking bonuses: the same Land means the same
  municipal code, funding programmes and state networks; a municipality nearby can be
  visited and often shares utilities and the county administration. Neither makes a city
  comparable to a village, so they stay small.
* **Shared partners (10)**: a project in which the visitor's municipality (or another
  municipality of its district) is already a partner is directly relevant. Two partners
  at most count, so large consortia do not dominate.

The 40 km proximity radius is roughly the distance between the centres of adjacent
Landkreise (a Landkreis covers about 1,000–1,500 km²); it is an approximation of
"neighbouring district" that needs nothing but the registry's coordinates.

Properties (tested in tests/comparable/)
----------------------------------------

* ``0 <= score <= 100`` for all inputs; without partners at most 90.
* Symmetric: ``score(a, b, p) == score(b, a, p)`` (every component is symmetric).
* A municipality is maximally comparable to itself: ``score(a, b) <= score(a, a) == 90``.
* More shared partners never lower the score; beyond two they do not raise it.
* ``COMPARABLE_THRESHOLD`` (65) is above the best score of a different size class without
  partners (10 + 25 + 15 + 5 + 5 = 60): in search results, which have no partner data,
  "vergleichbar" always means the same size class plus a similar population or
  settlement structure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

# ----------------------------------------------------------------- weights

SIZE_CLASS_SAME = 40.0
SIZE_CLASS_ADJACENT = 10.0
POPULATION_MAX = 25.0
URBANISATION_SAME = 15.0
URBANISATION_ADJACENT = 7.0
STATE_SAME = 5.0
PROXIMITY = 5.0
PARTNER_EACH = 5.0
PARTNERS_COUNTED = 2
NEARBY_KM = 40.0
COMPARABLE_THRESHOLD = 65.0
MAX_SCORE = 100.0

WEIGHTS: dict[str, float] = {
    "size_class": SIZE_CLASS_SAME,
    "population": POPULATION_MAX,
    "urbanisation": URBANISATION_SAME,
    "state": STATE_SAME,
    "proximity": PROXIMITY,
    "partners": PARTNER_EACH * PARTNERS_COUNTED,
}
assert sum(WEIGHTS.values()) == MAX_SCORE

# German labels of the components, for pages that show the points.
COMPONENT_LABELS: dict[str, str] = {
    "size_class": "Gemeindegröße (BBSR)",
    "population": "Einwohnerzahl",
    "urbanisation": "Siedlungsstruktur",
    "state": "Bundesland",
    "proximity": "Kreis und Umgebung",
    "partners": "Gemeinsame Partner",
}

# Smallest to largest, so that neighbours in this tuple are adjacent classes.
SIZE_CLASS_ORDER: tuple[str, ...] = ("landgemeinde", "kleinstadt", "mittelstadt", "grossstadt")
SIZE_CLASS_LABELS: dict[str, str] = {
    "landgemeinde": "Landgemeinde",
    "kleinstadt": "Kleinstadt",
    "mittelstadt": "Mittelstadt",
    "grossstadt": "Großstadt",
}
# Degree of urbanisation codes as in registry.models.Urbanisation: 1 dense … 3 thin.
URBANISATION_WORDS: dict[str, str] = {"1": "städtisch", "2": "halbstädtisch", "3": "ländlich"}

EARTH_RADIUS_KM = 6371.0088


class _MunicipalityLike(Protocol):
    ags: str
    name: str
    population: int
    size_class: str
    urbanisation: str
    lat: float | None
    lon: float | None
    state: Any


@dataclass(frozen=True)
class Profile:
    """The registry facts the score uses; buildable from a model row or a search document."""

    ags: str
    name: str
    population: int
    size_class: str
    urbanisation: str = ""
    state_code: str = ""
    state_name: str = ""
    district_ags: str = ""
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def from_municipality(cls, m: _MunicipalityLike) -> Profile:
        """From a ``registry.models.Municipality`` (select_related("state") avoids a query)."""
        state = getattr(m, "state", None)
        return cls(
            ags=m.ags,
            name=m.name,
            population=int(m.population or 0),
            size_class=str(m.size_class or ""),
            urbanisation=str(m.urbanisation or ""),
            state_code=m.ags[:2],
            state_name=getattr(state, "name", "") or "",
            # The first five digits of the AGS are the district key, by definition of the AGS.
            district_ags=m.ags[:5],
            lat=m.lat,
            lon=m.lon,
        )

    @property
    def size_class_label(self) -> str:
        return SIZE_CLASS_LABELS.get(self.size_class, "")

    @property
    def urbanisation_word(self) -> str:
        return URBANISATION_WORDS.get(self.urbanisation, "")


@dataclass(frozen=True)
class Comparison:
    """The result of ``score``: total, points per component (see WEIGHTS) and reasons."""

    score: float
    components: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    distance_km: float | None = None

    @property
    def comparable(self) -> bool:
        return self.score >= COMPARABLE_THRESHOLD

    @property
    def percent(self) -> int:
        """The score as a whole number, for bars and screen readers."""
        return int(round(self.score))


# ----------------------------------------------------------------- helpers


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km; symmetric in its two points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(abs(lat2 - lat1))
    dlambda = math.radians(abs(lon2 - lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(a: Profile, b: Profile) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    # Sorted so that the floating-point result is bit-for-bit the same in both directions.
    (lat1, lon1), (lat2, lon2) = sorted([(a.lat, a.lon), (b.lat, b.lon)])
    return haversine_km(lat1, lon1, lat2, lon2)


def format_number(n: int) -> str:
    """German thousands separators: 11800 -> "11.800"."""
    return f"{n:,}".replace(",", ".")


def round_population(n: int) -> int:
    """Three significant digits, half up (11,793 -> 11,800; 2,844 -> 2,840; 999 stays)."""
    if n < 1000:
        return n
    unit = 10 ** (len(str(n)) - 3)
    return (n + unit // 2) // unit * unit


def population_text(n: int) -> str:
    return f"{format_number(round_population(n))} Einwohner"


def _size_distance(a: str, b: str) -> int | None:
    if a not in SIZE_CLASS_ORDER or b not in SIZE_CLASS_ORDER:
        return None
    return abs(SIZE_CLASS_ORDER.index(a) - SIZE_CLASS_ORDER.index(b))


def _urbanisation_distance(a: str, b: str) -> int | None:
    if a not in URBANISATION_WORDS or b not in URBANISATION_WORDS:
        return None
    return abs(int(a) - int(b))


def population_ratio(a: int, b: int) -> float:
    """Smaller / larger population in [0, 1]; two empty places count as equal."""
    low, high = sorted((max(a, 0), max(b, 0)))
    if high == 0:
        return 1.0
    return low / high


def same_district(a: Profile, b: Profile) -> bool:
    return bool(a.district_ags) and a.district_ags == b.district_ags


def is_nearby(a: Profile, b: Profile) -> bool:
    """Same district, or centroids at most NEARBY_KM apart ("Nachbarkreis")."""
    if same_district(a, b):
        return True
    km = distance_km(a, b)
    return km is not None and km <= NEARBY_KM


# ----------------------------------------------------------------- score


def score(mine: Profile, other: Profile, shared_partners: int = 0) -> Comparison:
    """How comparable ``other`` is to ``mine``, 0–100 points (see the module docstring).

    ``shared_partners`` is the number of shared intermunicipal partners, as counted by the
    caller (for a project: partner municipalities that are ``mine`` or in its district).
    """
    components: dict[str, float] = {}
    reasons: list[str] = []

    size_distance = _size_distance(mine.size_class, other.size_class)
    if size_distance == 0:
        components["size_class"] = SIZE_CLASS_SAME
        reasons.append(f"gleiche Gemeindegröße ({other.size_class_label})")
    elif size_distance == 1:
        components["size_class"] = SIZE_CLASS_ADJACENT
        reasons.append(f"nächste Größenklasse ({other.size_class_label})")
    else:
        components["size_class"] = 0.0

    ratio = population_ratio(mine.population, other.population)
    components["population"] = POPULATION_MAX * ratio
    theirs, ours = round_population(other.population), round_population(mine.population)
    if theirs == ours:
        reasons.append(f"gleich viele Einwohner ({format_number(theirs)})")
    elif ratio >= 0.5:
        reasons.append(f"ähnlich viele Einwohner ({format_number(theirs)} statt {format_number(ours)})")

    urbanisation_distance = _urbanisation_distance(mine.urbanisation, other.urbanisation)
    if urbanisation_distance == 0:
        components["urbanisation"] = URBANISATION_SAME
        reasons.append(f"ebenfalls {other.urbanisation_word}")
    elif urbanisation_distance == 1:
        components["urbanisation"] = URBANISATION_ADJACENT
        reasons.append(f"ähnliche Siedlungsstruktur ({other.urbanisation_word})")
    else:
        components["urbanisation"] = 0.0

    if mine.state_code and mine.state_code == other.state_code:
        components["state"] = STATE_SAME
        reasons.append(f"gleiches Land ({other.state_name})" if other.state_name else "gleiches Land")
    else:
        components["state"] = 0.0

    km = distance_km(mine, other)
    if same_district(mine, other):
        components["proximity"] = PROXIMITY
        reasons.append("gleicher Kreis")
    elif km is not None and km <= NEARBY_KM:
        components["proximity"] = PROXIMITY
        reasons.append(f"Nachbarkreis (rund {format_number(int(round(km)))} km entfernt)")
    else:
        components["proximity"] = 0.0

    counted = min(max(int(shared_partners), 0), PARTNERS_COUNTED)
    components["partners"] = PARTNER_EACH * counted
    if shared_partners > 0:
        reasons.append(partners_text(shared_partners))

    total = min(MAX_SCORE, max(0.0, sum(components.values())))
    return Comparison(score=round(total, 1), components=components, reasons=tuple(reasons), distance_km=km)


def partners_text(n: int) -> str:
    return "1 gemeinsame Partnerkommune" if n == 1 else f"{n} gemeinsame Partnerkommunen"


def explain(mine: Profile, other: Profile, shared_partners: int = 0) -> str:
    """One sentence for a result card, e.g. "Kleinstadt wie Sie, 11.800 Einwohner, ländlich, Bayern".

    Parts: size class ("wie Sie" if the same), population (three significant digits),
    settlement structure (ländlich / halbstädtisch / städtisch), the state, and in
    brackets "gleicher Kreis", or "gleiches Land" and/or "Nachbarkreis" where true.
    """
    if other.ags == mine.ags:
        head = "Ihre eigene Kommune"
        parts = [head, other.size_class_label, population_text(other.population)]
    else:
        label = other.size_class_label
        parts = [f"{label} wie Sie" if label and other.size_class == mine.size_class else label]
        parts.append(population_text(other.population))
    parts.append(other.urbanisation_word)

    flags: list[str] = []
    if other.ags != mine.ags:
        if same_district(mine, other):
            flags.append("gleicher Kreis")
        else:
            if mine.state_code and mine.state_code == other.state_code:
                flags.append("gleiches Land")
            if is_nearby(mine, other):
                flags.append("Nachbarkreis")
    state = other.state_name
    if flags:
        state = f"{state} ({', '.join(flags)})" if state else ", ".join(flags)
    parts.append(state)
    if shared_partners > 0:
        parts.append(partners_text(shared_partners))
    return ", ".join(p for p in parts if p)
