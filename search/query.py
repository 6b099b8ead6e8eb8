"""Search requests: parsing and validating user input into one engine-neutral shape.

The HTML page and the JSON API both go through ``parse_request``, so they accept and
reject exactly the same input, with the same German messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .facets import FACETS

MAX_QUERY_CHARS = 500
MAX_PAGE = 500
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_VALUES_PER_FACET = 30
SORTS = {
    "relevanz": _("Relevanz"),
    "neueste": _("Neueste zuerst"),
    # By the last publication (``published``), not the project's start: what feeds and alerts need.
    "aktualisiert": _("Zuletzt veröffentlicht"),
    "titel": _("Titel A–Z"),
    # Only offered with a municipality (``kommune``); the page labels it "passend für <Name>".
    "passend": _("passend für Ihre Kommune"),
}
AGS_PATTERN = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class ParsedText:
    """User text split into required words and quoted phrases (all are ANDed)."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevanz"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    kommune: str = ""  # the visitor's municipality (AGS), for sort "passend" and comparability marks
    # May a query of several words that finds too little widen to most of its words
    # (search.analysis_query)? Only where the answer says so: the search page with its note,
    # the search API with ``relaxed``, and their downloads. Alerts, feeds and the map stay strict.
    relax: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def parsed(self) -> ParsedText:
        return parse_text(self.text)

    def selected(self, facet_name: str) -> tuple[str, ...]:
        return tuple(self.filters.get(facet_name, ()))

    def without(self, facet_name: str) -> dict[str, tuple[str, ...]]:
        """The filters of every other facet: what this facet's counts are computed under."""
        return {name: values for name, values in self.filters.items() if name != facet_name and values}


class RequestError(ValueError):
    """Invalid input, with a German message per parameter."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD_EDGES = re.compile(r"^[^\w]+|[^\w]+$")


def parse_text(text: str) -> ParsedText:
    words: list[str] = []
    phrases: list[str] = []
    for phrase, word in _TOKEN.findall(text or ""):
        if phrase:
            cleaned = " ".join(_WORD_EDGES.sub("", w) for w in phrase.split())
            if cleaned.strip():
                (phrases if " " in cleaned.strip() else words).append(cleaned.strip())
        elif word:
            # Strip punctuation at the edges but keep inner hyphens (Open-Data-Portal).
            for part in word.split("/"):
                cleaned = _WORD_EDGES.sub("", part)
                if cleaned:
                    words.append(cleaned)
    return ParsedText(tuple(words[:32]), tuple(phrases[:8]))


def _clean_text(value: str, name: str, errors: dict[str, str]) -> str:
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value) or "\ufffd" in value:
        errors[name] = _("Die Eingabe enthält ungültige Zeichen.")
        return ""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return " ".join(value.split())


def _int(params: Mapping, name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    raw = _first(params, name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = _("„%(value)s“ ist keine ganze Zahl.") % {"value": raw[:20]}
        return default
    if not low <= value <= high:
        errors[name] = _("Erlaubt sind Werte von %(low)s bis %(high)s.") % {"low": low, "high": high}
        return default
    return value


def _first(params: Mapping, name: str) -> str | None:
    values = _all(params, name)
    return values[0] if values else None


def _all(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _municipality_exists(ags: str) -> bool:
    from registry.models import Municipality  # imported late: this module loads before the apps

    return Municipality.objects.filter(ags=ags).exists()


def _kommune(params: Mapping, errors: dict[str, str]) -> str:
    raw = (_first(params, "kommune") or "").strip()
    if not raw:
        return ""
    if not AGS_PATTERN.match(raw):
        errors["kommune"] = _(
            "„%(value)s“ ist kein Amtlicher Gemeindeschlüssel: erwartet werden acht Ziffern, z. B. 08315084."
        ) % {"value": raw[:20]}
        return ""
    if not _municipality_exists(raw):
        errors["kommune"] = _("Zum Gemeindeschlüssel %(value)s gibt es keine Kommune im Gemeindeverzeichnis.") % {
            "value": raw
        }
        return ""
    return raw


def parse_request(params: Mapping, relax: bool = False) -> SearchRequest:
    """Validate request parameters (a QueryDict or a dict of lists) into a SearchRequest."""
    errors: dict[str, str] = {}
    text = _first(params, "q") or ""
    if len(text) > MAX_QUERY_CHARS:
        errors["q"] = _("Die Suchanfrage ist zu lang: höchstens %(max)s Zeichen.") % {"max": MAX_QUERY_CHARS}
        text = ""
    text = _clean_text(text, "q", errors)

    filters: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        raw_values = [v for v in _all(params, facet.name) if v != ""]
        if not raw_values:
            continue
        if len(raw_values) > MAX_VALUES_PER_FACET:
            errors[facet.name] = _("Zu viele Werte ausgewählt.")
            continue
        vocabulary = facet.labels() if facet.values else None
        values: list[str] = []
        for raw in raw_values:
            value = _clean_text(raw, facet.name, errors)
            if facet.name in errors:
                break
            if (vocabulary is not None and value not in vocabulary) or not re.match(facet.value_pattern, value):
                errors[facet.name] = _("Unbekannter Wert „%(value)s“ für den Filter „%(facet)s“.") % {
                    "value": value[:50],
                    "facet": facet.label,
                }
                break
            if value not in values:
                values.append(value)
        if facet.name not in errors:
            filters[facet.name] = tuple(values)

    sort = _first(params, "sort") or "relevanz"
    if sort not in SORTS:
        errors["sort"] = _("Unbekannte Sortierung „%(value)s“; möglich sind: %(allowed)s.") % {
            "value": sort[:30],
            "allowed": ", ".join(SORTS),
        }
        sort = "relevanz"
    kommune = _kommune(params, errors)
    if sort == "passend" and not kommune and "kommune" not in errors:
        errors["sort"] = _(
            "Die Sortierung „passend“ braucht Ihre Kommune: Wählen Sie sie unter „Meine Kommune“ "
            "oder geben Sie kommune=<Gemeindeschlüssel> an."
        )
        sort = "relevanz"
    page = _int(params, "page", 1, 1, MAX_PAGE, errors)
    page_size = _int(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    if errors:
        raise RequestError(errors)
    return SearchRequest(
        text=text, filters=filters, sort=sort, page=page, page_size=page_size, kommune=kommune, relax=relax
    )
