"""The German documentation page of the API (/api/v1/docs), rendered from the OpenAPI document.

A page of the site (base.html, its stylesheet, no script) instead of Swagger UI: nothing is
loaded from another server, it works with a keyboard and a screen reader, and it cannot drift
from the API, because every endpoint, parameter and response field on it is read from the
same document as /api/v1/openapi.json. Example answers are built from the schemas' examples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .http import API_MAX_AGE
from .throttling import configured_rate
from .views import openapi_document

# Example requests: the query of each path's example URL (its path parameters come from the
# parameters' own examples).
EXAMPLE_QUERIES: dict[str, dict[str, str]] = {
    "/api/v1/search/": {"q": "Beleuchtung", "size_class": "kleinstadt"},
    "/api/v1/projekte/": {"status": "regelbetrieb", "sort": "neueste"},
    "/api/v1/suggest/": {"q": "Bürg"},
    "/api/v1/karte/": {"size_class": "kleinstadt"},
    "/api/v1/kommunen/": {"q": "Bad End"},
}
LOCATIONS = {"path": "Pfad", "query": "Abfrage"}
TYPE_WORDS = {
    "string": "Text",
    "integer": "ganze Zahl",
    "number": "Zahl",
    "boolean": "wahr/falsch",
    "null": "null",
}
FORMAT_WORDS = {"date": "Datum", "date-time": "Zeitpunkt"}
MAX_DEPTH = 6  # nesting shown on the page; the schemas are far shallower


@dataclass
class Row:
    name: str
    type: str
    description: str
    required: bool = False
    details: str = ""


@dataclass
class Endpoint:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Row] = field(default_factory=list)
    fields: list[Row] = field(default_factory=list)
    example_url: str = ""
    example_response: str = ""
    errors: list[str] = field(default_factory=list)


class Schemas:
    """Resolves ``$ref`` against the document's components and describes schemas in words."""

    def __init__(self, document: dict) -> None:
        self.components = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    def variants(self, schema: dict) -> tuple[dict, bool]:
        """The schema without its ``null`` alternative, and whether null is allowed."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            concrete = [self.resolve(o) for o in options if o.get("type") != "null"]
            nullable = len(concrete) < len(options)
            if len(concrete) == 1:
                merged = {**concrete[0], **{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}}
                return merged, nullable
        return schema, False

    def type_words(self, schema: dict) -> str:
        schema, nullable = self.variants(schema)
        kind = schema.get("type", "object")
        if kind == "array":
            words = "Liste aus " + self.type_words(schema.get("items", {}))
        elif kind == "object":
            words = f"Objekt ({schema['title']})" if schema.get("title") and "properties" in schema else "Objekt"
        else:
            words = TYPE_WORDS.get(kind, kind)
            if schema.get("format") in FORMAT_WORDS:
                words += f" ({FORMAT_WORDS[schema['format']]})"
        return words + (" oder null" if nullable else "")

    def details(self, schema: dict) -> str:
        schema, _ = self.variants(schema)
        items = self.resolve(schema.get("items", {})) if schema.get("type") == "array" else schema
        parts = []
        if items.get("enum"):
            parts.append("Werte: " + ", ".join(str(v) for v in items["enum"]))
        if "minimum" in schema and "maximum" in schema:
            parts.append(f"von {schema['minimum']} bis {schema['maximum']}")
        if "maxLength" in schema:
            parts.append(f"höchstens {schema['maxLength']} Zeichen")
        if "maxItems" in schema:
            parts.append(f"höchstens {schema['maxItems']} Werte")
        if items.get("pattern"):
            parts.append(f"Muster {items['pattern']}")
        if "default" in schema and schema["default"] not in (None, [], ""):
            parts.append(f"Standard: {schema['default']}")
        return "; ".join(parts)

    def rows(self, schema: dict, prefix: str = "", depth: int = 0) -> list[Row]:
        """One row per field, nested fields as ``parent.child`` and list items as ``parent[].child``."""
        schema, _ = self.variants(schema)
        rows: list[Row] = []
        if depth > MAX_DEPTH:
            return rows
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            full = f"{prefix}{name}"
            rows.append(Row(full, self.type_words(prop), self.description(prop), required=name in required))
            rows += self.children(prop, full, depth)
        return rows

    def children(self, prop: dict, name: str, depth: int) -> list[Row]:
        prop, _ = self.variants(prop)
        if prop.get("type") == "array":
            return self.children(prop.get("items", {}), name + "[]", depth + 1)
        if "properties" in prop:
            return self.rows(prop, name + ".", depth + 1)
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict):
            key = name + ".{Filter}"
            return [Row(key, self.type_words(extra), self.description(extra))] + self.children(extra, key, depth + 1)
        return []

    def description(self, schema: dict) -> str:
        if "description" in schema:
            return schema["description"]
        resolved, _ = self.variants(schema)
        return resolved.get("description", "")

    def example(self, schema: dict, depth: int = 0) -> Any:
        schema, nullable = self.variants(schema)
        if schema.get("examples"):
            return schema["examples"][0]
        kind = schema.get("type", "object")
        if depth > MAX_DEPTH:
            return None
        if kind == "array":
            return [self.example(schema.get("items", {}), depth + 1)]
        if kind == "object":
            if "properties" in schema:
                return {name: self.example(prop, depth + 1) for name, prop in schema["properties"].items()}
            extra = schema.get("additionalProperties")
            return {"size_class": self.example(extra, depth + 1)} if isinstance(extra, dict) else {}
        if nullable:
            return None
        return {"string": "…", "integer": 1, "number": 1.5, "boolean": True}.get(kind, "…")


def _path_example(parameter: dict) -> str:
    examples = parameter.get("examples") or parameter.get("schema", {}).get("examples") or []
    return str(examples[0]) if examples else "1"


def endpoints(document: dict, request: HttpRequest) -> list[Endpoint]:
    schemas = Schemas(document)
    found = []
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            example_path = path
            for parameter in parameters:
                if parameter["in"] == "path":
                    example_path = example_path.replace("{" + parameter["name"] + "}", _path_example(parameter))
            query = EXAMPLE_QUERIES.get(path, {})
            success = operation["responses"].get(200) or operation["responses"].get("200") or {}
            content = success.get("content", {}).get("application/json", {}).get("schema", {})
            errors = [str(code) for code in operation["responses"] if str(code).startswith("4")]
            found.append(
                Endpoint(
                    anchor=operation["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=[
                        Row(
                            p["name"],
                            schemas.type_words(p.get("schema", {})),
                            p.get("description", ""),
                            required=p.get("required", False),
                            details=f"{LOCATIONS.get(p['in'], p['in'])}; {schemas.details(p.get('schema', {}))}".rstrip(
                                "; "
                            ),
                        )
                        for p in parameters
                    ],
                    fields=schemas.rows(content),
                    example_url=request.build_absolute_uri(example_path + ("?" + urlencode(query) if query else "")),
                    example_response=json.dumps(schemas.example(content), ensure_ascii=False, indent=2),
                    errors=sorted(errors),
                )
            )
    return found


def grouped(document: dict, items: list[Endpoint]) -> list[dict]:
    """The endpoints under their tags, in the order the document lists the tags."""
    by_operation = {
        operation["operationId"]: (operation.get("tags") or [""])[0]
        for operations in document.get("paths", {}).values()
        for operation in operations.values()
    }
    groups = [
        {"name": tag["name"], "description": tag.get("description", ""), "endpoints": []}
        for tag in document.get("tags", [])
    ]
    index = {group["name"]: group for group in groups}
    for item in items:
        tag = by_operation.get(item.anchor, "")
        if tag not in index:
            index[tag] = {"name": tag or "Weitere", "description": "", "endpoints": []}
            groups.append(index[tag])
        index[tag]["endpoints"].append(item)
    return [group for group in groups if group["endpoints"]]


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    document = openapi_document()
    schemas = Schemas(document)
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    context = {
        "info": document["info"],
        "groups": grouped(document, endpoints(document, request)),
        "base_url": request.build_absolute_uri(reverse("api:api-root")),
        "openapi_url": reverse("api:openapi"),
        "rate_limit": configured_rate(),
        "max_age": API_MAX_AGE,
        "problem_fields": schemas.rows(problem_schema),
        "problem_example": json.dumps(
            {
                "type": "about:blank",
                "title": "Ungültige Anfrage",
                "status": 400,
                "detail": "Bitte prüfen Sie die Parameter: page.",
                "instance": "/api/v1/search/",
                "errors": {"page": "„zwei“ ist keine ganze Zahl."},
                "message": "Ungültige Anfrage.",
            },
            ensure_ascii=False,
            indent=2,
        ),
    }
    return render(request, "api/docs.html", context)
