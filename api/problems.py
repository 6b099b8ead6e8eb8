"""Errors of the read API as problem documents (RFC 9457, ``application/problem+json``), in German.

Every error the API answers, whichever layer raised it, goes out in this one shape: ``type``,
``title``, ``status``, ``detail`` and ``instance``; a 400 for invalid parameters adds
``errors`` (a German message per parameter, the member the hand-built endpoints before this
API returned) and, for the same reason, ``message``.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError, Throttled, ValidationError

from search.query import RequestError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: gettext_lazy("Ungültige Anfrage"),
    404: gettext_lazy("Nicht gefunden"),
    405: gettext_lazy("Methode nicht erlaubt"),
    429: gettext_lazy("Zu viele Anfragen"),
}
# The legacy member of a 400 (the hand-built endpoints' "message").
INVALID_REQUEST = gettext_lazy("Ungültige Anfrage.")
# What is shown of a rejected value in a message: enough to recognise it, never a 10,000-character echo.
MAX_ECHO_CHARS = 30


class Problem(Schema):
    """Eine Fehlermeldung als Problem-Dokument (RFC 9457, application/problem+json)."""

    type: str = Field(
        description="Art des Problems; about:blank heißt: der HTTP-Status sagt alles.", examples=["about:blank"]
    )
    title: str = Field(description="Kurzer Titel des Status.", examples=["Ungültige Anfrage"])
    status: int = Field(description="HTTP-Status.", examples=[400])
    detail: str = Field(description="Was falsch war, auf Deutsch.", examples=["Bitte prüfen Sie die Parameter."])
    instance: str = Field(description="Pfad der Anfrage.", examples=["/api/v1/search/"])
    errors: dict[str, str] | None = Field(
        None,
        description="Nur bei 400: je Parameter eine Meldung.",
        examples=[{"page": "Erlaubt sind Werte von 1 bis 500."}],
    )
    message: str | None = Field(None, description="Nur bei 400: „Ungültige Anfrage.“ (wie vor Version 1).")


def problem(request: HttpRequest, status: int, detail: str, *, errors: dict[str, str] | None = None) -> HttpResponse:
    """The problem document for ``status``; never cached (a 429 or a 404 says nothing lasting)."""
    body: dict = {
        "type": "about:blank",
        "title": str(TITLES.get(status, _("Fehler"))),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
        body["message"] = str(INVALID_REQUEST)
    response = HttpResponse(Problem(**body).model_dump_json(exclude_unset=True), status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    response["Cache-Control"] = "no-store"
    return response


def invalid(request: HttpRequest, errors: dict[str, str]) -> HttpResponse:
    detail = _("Bitte prüfen Sie die Parameter: %(names)s.") % {"names": ", ".join(errors)}
    return problem(request, 400, detail, errors=errors)


def not_found(request: HttpRequest, detail: str = "") -> HttpResponse:
    return problem(request, 404, detail or _("Unter dieser Adresse gibt es nichts in der Programmierschnittstelle."))


def _echo(value: object) -> str:
    return str(value)[:MAX_ECHO_CHARS]


def validation_message(error: dict) -> str:
    """A German message for one of pydantic's errors (only path parameters reach pydantic here)."""
    kind = error.get("type", "")
    if kind.startswith("int_"):
        return _("„%(value)s“ ist keine ganze Zahl.") % {"value": _echo(error.get("input", ""))}
    if kind == "missing":
        return _("Dieser Parameter fehlt.")
    if kind == "string_too_long":
        return _("Die Eingabe ist zu lang: höchstens %(max)s Zeichen.") % {
            "max": error.get("ctx", {}).get("max_length", "")
        }
    return _("Ungültiger Wert „%(value)s“.") % {"value": _echo(error.get("input", ""))}


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        location = error.get("loc") or ("?",)
        errors.setdefault(str(location[-1]), validation_message(error))
    return invalid(request, errors)


def _on_request_error(request: HttpRequest, exc: RequestError) -> HttpResponse:
    return invalid(request, exc.errors)


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Only this project's views raise Http404 inside the API, each with a German message.
    return not_found(request, str(exc))


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        seconds = max(1, math.ceil(exc.wait)) if exc.wait is not None else None
        detail = (
            _("Zu viele Anfragen von Ihrer Adresse. Bitte warten Sie %(seconds)s Sekunden.") % {"seconds": seconds}
            if seconds
            else _("Zu viele Anfragen von Ihrer Adresse. Bitte warten Sie etwas.")
        )
        return problem(request, 429, detail)
    logger.warning("API error %s without a German message: %s", exc.status_code, exc)
    return problem(request, exc.status_code, _("Die Anfrage konnte nicht beantwortet werden."))


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """E.g. more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: Django's 400, as a problem document.

    Logged to the logger Django itself uses for it, so that the security log still sees it.
    """
    logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
    return problem(request, 400, _("Die Anfrage ist zu groß oder ungültig aufgebaut."))


def _reraise(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else is a bug: Django's own handling (500, log, mail to the admins), also with DEBUG."""
    raise exc


def install(api: NinjaAPI) -> None:
    """Replace django-ninja's handlers (English ``{"detail": ...}`` bodies, 422) by problem documents."""
    api.add_exception_handler(ValidationError, _on_validation_error)
    api.add_exception_handler(RequestError, _on_request_error)
    api.add_exception_handler(Http404, _on_not_found)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(SuspiciousOperation, _on_suspicious)
    api.add_exception_handler(Exception, _reraise)
