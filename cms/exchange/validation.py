"""Validation of exchange files: the JSON Schema for structure, then checks against the registry.

Every problem becomes an ``ImportProblem`` naming the record (its external id) and the field,
in German, so that a municipality's IT can fix its export without reading a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Municipality, Recommendation

FORMAT_NAME = "smart-city-exchange"
FORMAT_VERSION = 1
PDF_MAGIC = b"%PDF-"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


@dataclass(frozen=True, order=True)
class ImportProblem:
    source: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Datensatz „{self.record}“" if self.record else _("Datei")
        field = f", Feld „{self.field}“" if self.field else ""
        return f"{self.source}: {where}{field}: {self.message}"


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
            "value": error.instance,
            "allowed": ", ".join(map(str, value)),
        }
    if v == "const":
        return _("Erwartet wird „%(value)s“") % {"value": value}
    if v == "pattern":
        return _("Der Wert „%(value)s“ hat nicht das erwartete Format") % {"value": error.instance}
    if v == "minimum":
        return _("Der Wert darf nicht kleiner als %(min)s sein (negativer Betrag?)") % {"min": value}
    if v == "maxLength":
        return _("Der Text ist zu lang (höchstens %(max)s Zeichen)") % {"max": value}
    if v == "minLength":
        return _("Der Wert darf nicht leer sein")
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
        record, field = locate(document, list(error.absolute_path))
        problems.append(ImportProblem(source, record, field, _german_schema_message(error)))
    return sorted(set(problems))


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
    """Checks that need the registry, the file system or several records at once."""

    def __init__(self, source: str, base_dir: Path, registry: RegistryIndex, seen_ids: dict[str, str]):
        self.source, self.base_dir, self.registry, self.seen_ids = source, base_dir, registry, seen_ids
        self.problems: list[ImportProblem] = []

    def problem(self, record: str, field: str, message: str) -> None:
        self.problems.append(ImportProblem(self.source, record, field, message))

    def check_id(self, record: dict) -> None:
        rid = record["id"]
        if rid in self.seen_ids:
            self.problem(
                rid, "id", _("Die Kennung kommt mehrfach vor (zuerst in %(src)s)") % {"src": self.seen_ids[rid]}
            )
        else:
            self.seen_ids[rid] = self.source

    def check_codes(self, record: dict, *fields: str) -> None:
        for field in fields:
            for code in record.get(field, []):
                if code not in self.registry.vocabulary(field):
                    self.problem(record["id"], field, _("Unbekannter Code „%(code)s“") % {"code": code})

    def check_url(self, rid: str, field: str, value: str) -> None:
        if value:
            try:
                _url(value)
            except ValidationError:
                self.problem(rid, field, _("„%(url)s“ ist keine gültige Web-Adresse (http/https)") % {"url": value})

    def check_file(self, rid: str, field: str, ref: dict | None, kind: str) -> None:
        if not ref:
            return
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

    def check_stream(self, rid: str, field: str, block, raw: list) -> None:
        from wagtail.blocks import StreamValue

        if not raw:
            return  # an empty body is allowed
        try:
            block.clean(StreamValue(block, raw, is_lazy=True))
        except ValidationError as exc:
            self.problem(rid, field, _("Ungültiger Inhalt: %(detail)s") % {"detail": _flatten_block_error(exc)})
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            self.problem(rid, field, _("Ungültiger Inhalt: %(detail)s") % {"detail": exc})

    def municipality(self, record: dict) -> None:
        self.check_id(record)
        if record["ags"] not in self.registry.ags:
            self.problem(
                record["id"],
                "ags",
                _("Keine Gemeinde mit dem AGS „%(ags)s“ im Gemeindeverzeichnis") % {"ags": record["ags"]},
            )
        for project in record.get("projects", []):
            self.project(project)

    def project(self, record: dict) -> None:
        from cms.core.blocks import BodyBlock

        rid = record["id"]
        self.check_id(record)
        self.check_codes(record, "guidelines", "leitbild", "recommendations", "actors", "action_fields")
        for ags in record.get("partner_municipalities", []):
            if ags not in self.registry.ags:
                self.problem(rid, "partner_municipalities", _("Keine Gemeinde mit dem AGS „%(ags)s“") % {"ags": ags})
        start, end = record.get("start_date"), record.get("end_date")
        if start and end and end < start:
            self.problem(
                rid, "end_date", _("Das Ende (%(end)s) liegt vor dem Beginn (%(start)s)") % {"end": end, "start": start}
            )
        budget, funding = record.get("budget_eur"), record.get("funding_eur")
        if budget is not None and funding is not None and Decimal(funding) > Decimal(budget):
            self.problem(rid, "funding_eur", _("Die Fördermittel übersteigen das Gesamtbudget"))
        if funding and not record.get("funding_programme"):
            self.problem(rid, "funding_programme", _("Fördermittel ohne Angabe des Förderprogramms"))
        if record.get("open_source_license") and not record.get("repository_url"):
            self.problem(rid, "repository_url", _("Open-Source-Lizenz ohne Angabe des Quellcode-Repositorys"))
        self.check_url(rid, "repository_url", record.get("repository_url", ""))
        for i, dataset in enumerate(record.get("datasets", [])):
            self.check_url(rid, f"datasets.{i}.url", dataset["url"])
        email = record.get("contact", {}).get("email", "")
        if email:
            try:
                _email(email)
            except ValidationError:
                self.problem(rid, "contact.email", _("„%(email)s“ ist keine gültige E-Mail-Adresse") % {"email": email})
        self.check_adapted_from(record)
        for i, ref in enumerate(record.get("documents", [])):
            self.check_file(rid, f"documents.{i}.file", ref, "document")
        for i, ref in enumerate(record.get("images", [])):
            self.check_file(rid, f"images.{i}.file", ref, "image")
        self.check_stream(rid, "body", BodyBlock(), record.get("body", []))
        for report in record.get("reports", []):
            self.report(report)

    def check_adapted_from(self, record: dict) -> None:
        """Lineage within the record; whether each source exists is checked across all files (``unknown_sources``)."""
        rid, seen = record["id"], set()
        for i, entry in enumerate(record.get("adapted_from", [])):
            source = entry["project"]
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

        self.check_id(record)
        self.check_file(record["id"], "pdf.file", record.get("pdf"), "pdf")
        self.check_stream(record["id"], "body", BodyBlock(), record.get("body", []))
        for i, indicator in enumerate(record.get("indicators", [])):
            if indicator.get("measured_on") and indicator["measured_on"] > "2100-01-01":
                self.problem(record["id"], f"indicators.{i}.measured_on", _("Unplausibles Messdatum"))

    def knowledge(self, record: dict) -> None:
        self.check_id(record)
        self.check_codes(record, "guidelines")

    def checklist(self, record: dict) -> None:
        self.knowledge(record)
        for i, item in enumerate(record["items"]):
            for code in item.get("guidelines", []):
                if code not in self.registry.sub_guidelines:
                    self.problem(
                        record["id"], f"items.{i}.guidelines", _("Unbekannter Code „%(code)s“") % {"code": code}
                    )


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
                    walk(value, path + [f"Block {int(key) + 1}" if str(key).isdigit() else str(key)])
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        elif isinstance(node, str):
            found.append(f"{' '.join(path)}: {node}" if path else node)

    walk(data, [])
    return "; ".join(found)[:300] or "; ".join(exc.messages)[:300]
