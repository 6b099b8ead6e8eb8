"""The facets, declared once and shared by every engine, the HTML page and the JSON API.

Semantics follow elasticsearch.dsl's FacetedSearch: values OR within a facet, facets AND
with each other, and each facet counted under every other facet's selection but not its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cms.content_types import LABELS
from cms.projects.models import PartnerType, ProjectStatus
from registry.loaders import STATE_NAMES
from registry.models import ActionField, Guideline, LeitbildAttribute, Recommendation
from registry.size_class import SizeClass

# The values of the facet "content_type": the kinds of content (cms/content_types.py).
CONTENT_TYPES = LABELS

BUDGET_BANDS: dict[str, str] = {
    "bis-50k": _("bis 50.000 €"),
    "50k-250k": _("50.000 bis 250.000 €"),
    "250k-1mio": _("250.000 € bis 1 Mio. €"),
    "ueber-1mio": _("über 1 Mio. €"),
}

YES_NO: dict[str, str] = {"ja": _("ja"), "nein": _("nein")}
# Projects only: whether another municipality's live project names this one as adapted from ("Nachnutzung").
REUSED: dict[str, str] = {"ja": _("bereits nachgenutzt"), "nein": _("noch nicht nachgenutzt")}


def budget_band(amount) -> str:
    if amount is None:
        return ""
    if amount <= 50_000:
        return "bis-50k"
    if amount <= 250_000:
        return "50k-250k"
    if amount <= 1_000_000:
        return "250k-1mio"
    return "ueber-1mio"


LABEL_TTL_SECONDS = 60.0
_label_cache: dict[str, tuple[float, dict[str, str]]] = {}


def _cached(key: str, load: Callable[[], dict[str, str]]) -> dict[str, str]:
    """Taxonomy labels change rarely; reading them once a minute keeps queries off the hot path."""
    now = time.monotonic()
    hit = _label_cache.get(key)
    if hit is None or now - hit[0] > LABEL_TTL_SECONDS:
        hit = (now, load())
        _label_cache[key] = hit
    return hit[1]


def _guideline_labels() -> dict[str, str]:
    return _cached("guideline", lambda: {g.code: f"{g.code} {g.title}" for g in Guideline.objects.all()})


def _term_labels(model) -> Callable[[], dict[str, str]]:
    def load() -> dict[str, str]:
        return {t.code: t.title if model is not Recommendation else f"{t.code}) {t.title}" for t in model.objects.all()}

    return lambda: _cached(model.__name__, load)


def clear_label_cache() -> None:
    _label_cache.clear()


@dataclass(frozen=True)
class Facet:
    """One facet: the URL/API parameter ``name`` filters and counts the index field ``field``.

    ``values`` returns the closed vocabulary as value → label; open facets (year, tag) have
    none and accept any well-formed value.
    """

    name: str
    field: str
    label: str
    values: Callable[[], dict[str, str]] | None = None
    value_pattern: str = r"^[\w .,:/()+&'-]{1,100}$"
    top: int = 6
    order: str = "count"  # "count": most frequent first; "vocabulary": in the vocabulary's order
    help_text: str = field(default="", compare=False)

    def labels(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.values().items()} if self.values else {}

    def label_for(self, value: str, labels: dict[str, str] | None = None) -> str:
        labels = self.labels() if labels is None else labels
        return labels.get(value, value)


FACETS: tuple[Facet, ...] = (
    Facet("content_type", "content_type", _("Art des Inhalts"), lambda: CONTENT_TYPES, order="vocabulary"),
    Facet(
        "guideline",
        "guideline",
        _("Charta-Leitlinie"),
        _guideline_labels,
        order="vocabulary",
        top=16,
    ),
    Facet("size_class", "size_class", _("Gemeindegröße"), lambda: dict(SizeClass.choices), order="vocabulary"),
    Facet("state", "state", _("Bundesland"), lambda: STATE_NAMES, value_pattern=r"^(0[1-9]|1[0-6])$"),
    Facet("action_field", "action_field", _("Handlungsfeld"), _term_labels(ActionField)),
    Facet("status", "status", _("Projektstatus"), lambda: dict(ProjectStatus.choices), order="vocabulary"),
    Facet("leitbild", "leitbild", _("Leitbild"), _term_labels(LeitbildAttribute)),
    Facet(
        "recommendation", "recommendation", _("Handlungsempfehlung"), _term_labels(Recommendation), order="vocabulary"
    ),
    Facet("year", "year", _("Jahr"), None, value_pattern=r"^(19|20)\d\d$", order="value_desc"),
    Facet("budget", "budget", _("Budget"), lambda: BUDGET_BANDS, order="vocabulary"),
    Facet("open_source", "open_source", _("Open Source"), lambda: YES_NO, order="vocabulary"),
    Facet("has_evaluation", "has_evaluation", _("Mit Evaluation"), lambda: YES_NO, order="vocabulary"),
    Facet("reused", "reused", _("Nachnutzung"), lambda: REUSED, order="vocabulary"),
    Facet("partner_type", "partner_type", _("Art der Partner"), lambda: dict(PartnerType.choices), order="vocabulary"),
    Facet("tag", "tag", _("Schlagwort"), None, top=10),
)

FACETS_BY_NAME: dict[str, Facet] = {facet.name: facet for facet in FACETS}
