"""Validation of exchange files: the JSON Schema for structure, then checks against the registry.

Every problem becomes an ``ImportProblem`` naming the record (its external id) and the field,
in German, so that a municipality's IT can fix its export without reading a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from cms.core.converters import is_ascii_number
from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Municipality, Recommendation

FORMAT_NAME = "smart-city-exchange"
FORMAT_VERSION = 1
PDF_MAGIC = b"%PDF-"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp"}

MAX_NESTING_DEPTH = 32
"""Deepest nesting of lists and objects a file may have. The format needs about a dozen levels;
jsonschema and the checks recurse once per level, so a deeper file is refused before they run."""

# C0 and C1 control characters except tab, line feed and carriage return, and lone UTF-16
# surrogates (which ``\ud800`` escapes can smuggle in): none belongs in a text, NUL breaks
# PostgreSQL, and the others hide content from editors and search.
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Which fields a *new* page needs. The schema requires only ``id`` (and ``ags``) so that an update
# may carry just the fields it changes; a record whose id is not on the platform yet must say more.
NEW_PAGE_FIELDS = {
    "project": ("title", "summary", "status"),
    "report": ("type", "title", "date", "author_organisation", "findings"),
    "guide": ("title", "intro", "sections"),
    "checklist": ("title", "intro", "items"),
}
EVALUATION_ONLY_FIELDS = ("method", "goal_attainment", "goal_attainment_note", "indicators")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, order=True)
class ImportProblem:
    source: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Datensatz „{self.record}“" if self.record else _("Datei")
        field = f", Feld „{self.field}“" if self.field else ""
        # Shown as \u escapes: the ids and values quoted here come from the file and may hold the very
        # control characters the message complains about.
        return FORBIDDEN_CHARACTERS.sub(
            lambda m: f"\\u{ord(m.group()):04x}", f"{self.source}: {where}{field}: {self.message}"
        )


@lru_cache(maxsize=1)
def schema() -> dict:
    path = Path(settings.FIXTURES_ROOT) / "schema" / "exchange.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _german_schema_message(error: SchemaError) -> str:
    v, value = error.validator, error.validator_value
    if v == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return _("Pflichtfeld fehlt: %(fields)s") % {"fields": ", ".join(missing)}
    if v == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed) if isinstance(error.instance, dict) else []
        return _("Unbekanntes Feld: %(fields)s") % {"fields": ", ".join(extra)}
    if v == "type":
        names = {
            "string": "Text",
            "number": "Zahl",
            "integer": "ganze Zahl",
            "array": "Liste",
            "object": "Objekt",
            "boolean": "Wahrheitswert (true/false)",
            "null": "null",
        }
        types = value if isinstance(value, list) else [value]
        return _("Falscher Typ: erwartet %(types)s") % {"types": " oder ".join(names.get(t, t) for t in types)}
    if v == "enum":
        return _("Unbekannter Wert „%(value)s“; erlaubt sind: %(allowed)s") % {
            "value": _shorten(error.instance),
            "allowed": ", ".join(map(str, value)),
        }
    if v == "const":
        return _("Erwartet wird „%(value)s“") % {"value": value}
    if v == "pattern":
        return _("Der Wert „%(value)s“ hat nicht das erwartete Format") % {"value": _shorten(error.instance)}
    if v == "minimum":
        return _("Der Wert darf nicht kleiner als %(min)s sein (negativer Betrag?)") % {"min": value}
    if v == "maxLength":
        return _("Der Text ist zu lang (höchstens %(max)s Zeichen)") % {"max": value}
    if v == "minLength":
        return _("Der Wert darf nicht leer sein")
    if v == "maxItems":
        return _("Die Liste ist zu lang (höchstens %(max)s Einträge)") % {"max": value}
    if v == "maxProperties":
        return _("Zu viele Angaben in einem Objekt (höchstens %(max)s)") % {"max": value}
    if v == "minItems":
        return _("Die Liste braucht mindestens %(min)s Eintrag/Einträge") % {"min": value}
    if v == "uniqueItems":
        return _("Die Liste enthält doppelte Einträge")
    if v in ("not", "if", "then"):
        return _(
            "Diese Angaben sind für diesen Berichtstyp nicht zulässig (nur Evaluationsberichte haben Methode, "
            "Zielerreichung und Indikatoren)"
        )
    if v == "oneOf":
        return _("Ungültige Angabe: erwartet wird ein Datei-Verweis oder null")
    return _("Ungültiger Wert (%(rule)s)") % {"rule": v}


def _shorten(value: Any, limit: int = 80) -> str:
    """A value quoted in a message, cut short: the value may be as long as the whole file."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def locate(document: Any, path: list) -> tuple[str, str]:
    """Find the innermost record (an object with an ``id``) on ``path`` and the field below it."""
    record, field_parts, node = "", [], document
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        field_parts.append(str(step))
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            record, field_parts = node["id"], []
    return record, ".".join(field_parts)


def schema_problems(source: str, document: Any) -> list[ImportProblem]:
    validator = Draft202012Validator(schema())
    problems = []
    for error in validator.iter_errors(document):
        # "then" wraps the real reason; report it at the record that carries the forbidden key.
        problems.append(problem_at(source, document, error.absolute_path, _german_schema_message(error)))
    return sorted(set(problems))


def problem_at(source: str, document: Any, path, message: str) -> ImportProblem:
    """A problem reported at the record and field that ``path`` (keys and indices) points into."""
    record, field = locate(document, list(path))
    return ImportProblem(source, record, field, message)


def structure_problems(source: str, document: Any) -> tuple[list[ImportProblem], bool]:
    """Nesting depth and forbidden characters, in one pass without recursion, so that any depth the
    JSON decoder accepted is safe here. Also returns whether the file is too deep for the schema
    check and the record checks, which recurse and must then be skipped."""
    problems: list[ImportProblem] = []
    too_deep = False
    stack: list[tuple[Any, tuple]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, (dict, list)) and len(path) >= MAX_NESTING_DEPTH:
            if not too_deep:  # one report per file; everything below is skipped anyway
                message = _("Die Daten sind zu tief verschachtelt (höchstens %(max)s Ebenen)")
                problems.append(problem_at(source, document, path, message % {"max": MAX_NESTING_DEPTH}))
            too_deep = True
            continue
        if isinstance(node, dict):
            for key, value in node.items():
                if FORBIDDEN_CHARACTERS.search(key):
                    message = _("Ein Feldname enthält ein unzulässiges Steuerzeichen")
                    problems.append(problem_at(source, document, path, message))
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            stack.extend((value, (*path, i)) for i, value in enumerate(node))
        elif isinstance(node, str) and (match := FORBIDDEN_CHARACTERS.search(node)):
            message = _(
                "Der Text enthält ein unzulässiges Steuerzeichen (U+%(code)04X); erlaubt sind Tabulator und Zeilenumbruch"
            )
            problems.append(problem_at(source, document, path, message % {"code": ord(match.group())}))
    return sorted(set(problems)), too_deep


def records(container: Any, key: str) -> list[dict]:
    """The objects in ``container[key]``, skipping anything malformed: the schema check reports that,
    and the record checks still run on the rest, so that one import run names every problem."""
    items = container.get(key) if isinstance(container, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _list(record: dict, key: str) -> list:
    value = record.get(key)
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _amount(value: Any) -> Decimal | None:
    return Decimal(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else None


def _iso_date(value: Any) -> date | None:
    """A date the writer can store, or None; malformed strings are the schema's to report."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class RegistryIndex:
    """The registry's codes, read once per import instead of once per record."""

    def __init__(self) -> None:
        self.sub_guidelines = set(Guideline.objects.filter(parent__isnull=False).values_list("code", flat=True))
        self.leitbild = set(LeitbildAttribute.objects.values_list("code", flat=True))
        self.recommendations = set(Recommendation.objects.values_list("code", flat=True))
        self.actors = set(ActorGroup.objects.values_list("code", flat=True))
        self.action_fields = set(ActionField.objects.values_list("code", flat=True))
        self.ags = set(Municipality.objects.values_list("ags", flat=True))

    def vocabulary(self, name: str) -> set[str]:
        return {
            "guidelines": self.sub_guidelines,
            "leitbild": self.leitbild,
            "recommendations": self.recommendations,
            "actors": self.actors,
            "action_fields": self.action_fields,
        }[name]


_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


class SemanticChecker:
    """Checks that need the registry, the file system, the stored pages or several records at once.

    They run on every record, also when the schema found problems in the file, so that one run
    reports everything; each check therefore skips values of the wrong type (the schema names those).

    ``existing`` maps a kind ("project", "report", "guide", "checklist") to the pages already on the
    platform, by external id, with the stored values the cross-field checks need: a record may carry
    only the fields it changes, and the others keep their stored value.
    """

    def __init__(
        self,
        source: str,
        base_dir: Path,
        registry: RegistryIndex,
        seen_ids: dict[str, str],
        existing: dict[str, dict[str, dict]] | None = None,
    ):
        self.source, self.base_dir, self.registry, self.seen_ids = source, base_dir, registry, seen_ids
        self.existing = existing or {}
        self.problems: list[ImportProblem] = []

    def problem(self, record: str, field: str, message: str) -> None:
        self.problems.append(ImportProblem(self.source, record, field, message))

    def check_id(self, record: dict) -> str:
        """The record's id ("" if it has none, which the schema reports); duplicates are problems."""
        rid = record.get("id")
        if not isinstance(rid, str):
            return ""
        if rid in self.seen_ids:
            self.problem(
                rid, "id", _("Die Kennung kommt mehrfach vor (zuerst in %(src)s)") % {"src": self.seen_ids[rid]}
            )
        else:
            self.seen_ids[rid] = self.source
        return rid

    def stored(self, kind: str, rid: str) -> dict | None:
        return self.existing.get(kind, {}).get(rid)

    def check_new_page(self, kind: str, rid: str, record: dict) -> None:
        """A record for a page that does not exist yet must carry what the page cannot do without."""
        if not rid or self.stored(kind, rid) is not None:
            return
        for name in NEW_PAGE_FIELDS[kind]:
            if name not in record:
                self.problem(
                    rid,
                    name,
                    _("Pflichtfeld fehlt: %(field)s (die Seite ist neu, die Kennung ist noch nicht auf der Plattform)")
                    % {"field": name},
                )

    def check_codes(self, rid: str, record: dict, *fields: str) -> None:
        for field in fields:
            for code in _list(record, field):
                if isinstance(code, str) and code not in self.registry.vocabulary(field):
                    self.problem(rid, field, _("Unbekannter Code „%(code)s“") % {"code": code})

    def check_date(self, rid: str, field: str, value: Any) -> date | None:
        """A well-formed but impossible date (2023-02-30) passes the schema's pattern; catch it here."""
        parsed = _iso_date(value)
        if parsed is None and isinstance(value, str) and ISO_DATE.match(value):
            self.problem(rid, field, _("„%(date)s“ ist kein gültiges Datum") % {"date": value})
        return parsed

    def check_url(self, rid: str, field: str, value: Any) -> None:
        if value and isinstance(value, str):
            try:
                _url(value)
            except ValidationError:
                self.problem(
                    rid, field, _("„%(url)s“ ist keine gültige Web-Adresse (http/https)") % {"url": _shorten(value)}
                )

    def check_file(self, rid: str, field: str, ref: Any, kind: str) -> None:
        if not isinstance(ref, dict) or not isinstance(ref.get("file"), str):
            return
        try:
            path = (self.base_dir / ref["file"]).resolve()
            if self.base_dir.resolve() not in path.parents:
                self.problem(rid, field, _("Der Dateipfad darf nicht aus dem Ordner der Importdatei herausführen"))
                return
            if not path.is_file():
                self.problem(rid, field, _("Die Datei „%(file)s“ wurde nicht gefunden") % {"file": ref["file"]})
                return
            if kind == "pdf":
                with path.open("rb") as fh:
                    if fh.read(5) != PDF_MAGIC:
                        self.problem(rid, field, _("„%(file)s“ ist keine PDF-Datei") % {"file": ref["file"]})
            elif kind == "image" and path.suffix.lower() not in IMAGE_EXTENSIONS:
                self.problem(
                    rid,
                    field,
                    _("„%(file)s“ ist kein unterstütztes Bildformat (PNG, JPEG, GIF, WebP)") % {"file": ref["file"]},
                )
        except (OSError, ValueError):  # a NUL byte or an over-long name in the path
            self.problem(
                rid, field, _("Die Datei „%(file)s“ kann nicht gelesen werden") % {"file": _shorten(ref["file"])}
            )

    def check_stream(self, rid: str, field: str, block, raw: Any) -> None:
        from wagtail.blocks import StreamValue

        if not raw or not isinstance(raw, list):
            return  # an empty body is allowed; anything but a list is the schema's to report
        if not all(isinstance(item, dict) and item.get("type") in block.child_blocks for item in raw):
            return  # unknown block types are the schema's to report
        try:
            block.clean(StreamValue(block, raw, is_lazy=True))
        except ValidationError as exc:
            self.problem(rid, field, _("Ungültiger Inhalt: %(detail)s") % {"detail": _flatten_block_error(exc)})
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            self.problem(rid, field, _("Ungültiger Inhalt: %(detail)s") % {"detail": _shorten(exc, 300)})

    def municipality(self, record: dict) -> None:
        rid = self.check_id(record)
        ags = record.get("ags")
        if isinstance(ags, str) and ags not in self.registry.ags:
            self.problem(
                rid, "ags", _("Keine Gemeinde mit dem AGS „%(ags)s“ im Gemeindeverzeichnis") % {"ags": _shorten(ags)}
            )
        for project in records(record, "projects"):
            self.project(project)

    def current(self, record: dict, stored: dict | None, name: str) -> Any:
        """The value a page will have after the import: the record's, or the stored one if the record
        leaves the field out (only for the cross-field checks; a new page has no stored values)."""
        if name in record:
            return record[name]
        return (stored or {}).get(name)

    def project(self, record: dict) -> None:
        from cms.core.blocks import BodyBlock

        rid = self.check_id(record)
        stored = self.stored("project", rid)
        self.check_new_page("project", rid, record)
        self.check_codes(rid, record, "guidelines", "leitbild", "recommendations", "actors", "action_fields")
        for ags in _list(record, "partner_municipalities"):
            if isinstance(ags, str) and ags not in self.registry.ags:
                self.problem(
                    rid, "partner_municipalities", _("Keine Gemeinde mit dem AGS „%(ags)s“") % {"ags": _shorten(ags)}
                )
        start = self.check_date(rid, "start_date", record.get("start_date"))
        end = self.check_date(rid, "end_date", record.get("end_date"))
        start = start if "start_date" in record else _iso_date(self.current(record, stored, "start_date"))
        end = end if "end_date" in record else _iso_date(self.current(record, stored, "end_date"))
        if start and end and end < start:
            self.problem(
                rid,
                "end_date",
                _("Das Ende (%(end)s) liegt vor dem Beginn (%(start)s)")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        budget = _amount(self.current(record, stored, "budget_eur"))
        funding = _amount(self.current(record, stored, "funding_eur"))
        if budget is not None and funding is not None and funding > budget:
            self.problem(rid, "funding_eur", _("Die Fördermittel übersteigen das Gesamtbudget"))
        if funding and not self.current(record, stored, "funding_programme"):
            self.problem(rid, "funding_programme", _("Fördermittel ohne Angabe des Förderprogramms"))
        if self.current(record, stored, "open_source_license") and not self.current(record, stored, "repository_url"):
            self.problem(rid, "repository_url", _("Open-Source-Lizenz ohne Angabe des Quellcode-Repositorys"))
        self.check_url(rid, "repository_url", record.get("repository_url"))
        for i, dataset in enumerate(_list(record, "datasets")):
            if isinstance(dataset, dict):
                self.check_url(rid, f"datasets.{i}.url", dataset.get("url"))
        contact = record.get("contact")
        email = _text(contact.get("email")) if isinstance(contact, dict) else ""
        if email:
            try:
                _email(email)
            except ValidationError:
                self.problem(
                    rid, "contact.email", _("„%(email)s“ ist keine gültige E-Mail-Adresse") % {"email": _shorten(email)}
                )
        self.check_adapted_from(rid, record)
        for i, ref in enumerate(_list(record, "documents")):
            self.check_file(rid, f"documents.{i}.file", ref, "document")
        for i, ref in enumerate(_list(record, "images")):
            self.check_file(rid, f"images.{i}.file", ref, "image")
        self.check_stream(rid, "body", BodyBlock(), record.get("body"))
        for report in records(record, "reports"):
            self.report(report)

    def check_adapted_from(self, rid: str, record: dict) -> None:
        """Lineage within the record; whether each source exists is checked across all files (``unknown_sources``)."""
        seen = set()
        for i, entry in enumerate(_list(record, "adapted_from")):
            source = entry.get("project") if isinstance(entry, dict) else None
            if not isinstance(source, str):
                continue
            if source == rid:
                self.problem(
                    rid, f"adapted_from.{i}.project", _("Ein Projekt kann nicht von sich selbst nachgenutzt sein")
                )
            elif source in seen:
                self.problem(
                    rid,
                    f"adapted_from.{i}.project",
                    _("Das Ursprungsprojekt „%(id)s“ ist mehrfach genannt") % {"id": source},
                )
            seen.add(source)

    def report(self, record: dict) -> None:
        from cms.core.blocks import BodyBlock

        rid = self.check_id(record)
        self.check_new_page("report", rid, record)
        stored = self.stored("report", rid)
        if "type" not in record and stored is not None and stored["type"] == "experience":
            # The schema can only forbid these when the record names its type; an update may leave it out.
            for name in EVALUATION_ONLY_FIELDS:
                if name in record:
                    self.problem(
                        rid,
                        name,
                        _("Diese Angabe ist nur bei Evaluationsberichten zulässig (dies ist ein Erfahrungsbericht)"),
                    )
        self.check_date(rid, "date", record.get("date"))
        self.check_file(rid, "pdf.file", record.get("pdf"), "pdf")
        self.check_stream(rid, "body", BodyBlock(), record.get("body"))
        for i, indicator in enumerate(_list(record, "indicators")):
            if not isinstance(indicator, dict):
                continue
            measured_on = self.check_date(rid, f"indicators.{i}.measured_on", indicator.get("measured_on"))
            if measured_on and measured_on > date(2100, 1, 1):
                self.problem(rid, f"indicators.{i}.measured_on", _("Unplausibles Messdatum"))

    def knowledge(self, record: dict, kind: str = "guide") -> str:
        rid = self.check_id(record)
        self.check_new_page(kind, rid, record)
        self.check_codes(rid, record, "guidelines")
        return rid

    def checklist(self, record: dict) -> None:
        rid = self.knowledge(record, "checklist")
        for i, item in enumerate(_list(record, "items")):
            for code in _list(item, "guidelines") if isinstance(item, dict) else []:
                if isinstance(code, str) and code not in self.registry.sub_guidelines:
                    self.problem(rid, f"items.{i}.guidelines", _("Unbekannter Code „%(code)s“") % {"code": code})


def _flatten_block_error(exc: ValidationError) -> str:
    """Turn Wagtail's nested block errors into "Block 2, text: Dieses Feld …" lines."""
    data = exc.as_json_data() if callable(getattr(exc, "as_json_data", None)) else {"messages": exc.messages}
    found: list[str] = []

    def walk(node, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "messages":
                    found.extend(f"{' '.join(path)}: {m}" if path else str(m) for m in value)
                elif key == "blockErrors":
                    walk(value, path)
                else:
                    walk(value, path + [f"Block {int(key) + 1}" if is_ascii_number(str(key)) else str(key)])
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        elif isinstance(node, str):
            found.append(f"{' '.join(path)}: {node}" if path else node)

    walk(data, [])
    return "; ".join(found)[:300] or "; ".join(exc.messages)[:300]
