"""The NinjaAPI of the platform: German problem documents, JSON as UTF-8, and a complete OpenAPI document.

django-ninja describes each operation's 200 answer from its response schema. What every
operation shares is added here, once: the problem documents for 400 (invalid parameters),
404 (a path parameter that names nothing public) and 429 (rate limit, with ``Retry-After``),
the 304 for a matching ``If-None-Match``, and the ``ETag`` and ``Cache-Control`` headers.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.openapi.schema import REF_TEMPLATE
from ninja.renderers import JSONRenderer

from . import problems
from .http import API_MAX_AGE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_CONTENT = {problems.PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}
SHARED_RESPONSES: dict[str, dict[str, Any]] = {
    "NotModified": {"description": "Nicht geändert: Die Antwort entspricht dem ETag aus If-None-Match (ohne Inhalt)."},
    "BadRequest": {
        "description": "Ungültige Parameter; errors nennt je Parameter, was falsch ist.",
        "content": PROBLEM_CONTENT,
    },
    "NotFound": {
        "description": "Es gibt nichts Öffentliches unter dieser Kennung (unbekannt, Entwurf, nicht veröffentlicht "
        "oder zugangsbeschränkt).",
        "content": PROBLEM_CONTENT,
    },
    "TooManyRequests": {
        "description": "Zu viele Anfragen von dieser Adresse; Retry-After nennt die Sekunden bis zum nächsten Versuch.",
        "headers": {
            "Retry-After": {"description": "Sekunden bis zum nächsten Versuch.", "schema": {"type": "integer"}}
        },
        "content": PROBLEM_CONTENT,
    },
}
SUCCESS_HEADERS = {
    "ETag": {"description": "Kennung dieser Antwort, für If-None-Match.", "schema": {"type": "string"}},
    "Cache-Control": {
        "description": f"public, max-age={API_MAX_AGE}: darf {API_MAX_AGE} Sekunden zwischengespeichert werden.",
        "schema": {"type": "string"},
    },
}


class UnicodeJSONRenderer(JSONRenderer):
    """Umlauts as they are, as the hand-built endpoints sent them (``ensure_ascii=False``)."""

    json_dumps_params = {"ensure_ascii": False}


class PlatformAPI(NinjaAPI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(renderer=UnicodeJSONRenderer(), **kwargs)
        problems.install(self)
        self._schema_lock = threading.Lock()
        self._schemas: dict[str, dict] = {}

    def validation_error_from_error_contexts(self, error_contexts: list[ValidationErrorContext]) -> ValidationError:
        """django-ninja's errors, but with the rejected value kept (shortened) for the German message."""
        errors = []
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                location = (model.__ninja_param_source__,) + model.__ninja_flatten_map_reverse__.get(
                    error["loc"], error["loc"]
                )
                errors.append(
                    {
                        "type": error["type"],
                        "loc": location,
                        "input": str(error.get("input", ""))[: problems.MAX_ECHO_CHARS],
                        "ctx": {k: str(v) for k, v in (error.get("ctx") or {}).items()},
                    }
                )
        return ValidationError(errors)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> dict:
        """The complete document, built once per process (it only changes with the code)."""
        key = repr((path_prefix, sorted((path_params or {}).items())))
        with self._schema_lock:
            if key not in self._schemas:
                schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
                self._schemas[key] = complete(dict(schema))
            return copy.deepcopy(self._schemas[key])


def complete(schema: dict) -> dict:
    """Add the shared answers and headers of the module docstring to every operation."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = problems.Problem.model_json_schema(ref_template=REF_TEMPLATE)
    components["responses"] = SHARED_RESPONSES
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # django-ninja copies JSON Schema's list of examples to the parameter, where OpenAPI
                # wants a map of Example objects; the list stays in the parameter's schema.
                if isinstance(parameter.get("examples"), list):
                    examples = parameter.pop("examples")
                    if examples:
                        parameter["example"] = examples[0]
            responses = operation["responses"]
            if 200 in responses:
                responses[200]["headers"] = SUCCESS_HEADERS
            responses[304] = {"$ref": "#/components/responses/NotModified"}
            if operation.get("parameters"):
                responses[400] = {"$ref": "#/components/responses/BadRequest"}
            if "{" in path:
                responses[404] = {"$ref": "#/components/responses/NotFound"}
            responses[429] = {"$ref": "#/components/responses/TooManyRequests"}
    if not schema.get("servers"):
        schema.pop("servers", None)
    return schema
