"""``/healthz``: database and search engine, reported separately, for load balancers and monitoring.

It lives in the search app, the top layer, because it asks the search engine; cms wires it in
by name only. The answer names states and a short German reason, nothing else (no paths,
versions or error texts), and is never cached.

* 200 ``{"database": "ok", "search": "ok"}``
* 200 ``{"database": "ok", "search": "degraded", "search_reason": "…"}``: the site works, search
  answers from the database fallback; ``manage.py search_status`` says what to run.
* 503 ``{"database": "error", …}``: without the database the site cannot work.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Gesundheitsprüfung: Datenbank nicht erreichbar", exc_info=True)
        return False
    return True


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_ok()
    search = health.check()
    body = {"database": "ok" if database else "error", "search": search.state}
    if not search.ok:
        body["search_reason"] = search.reason
    return JsonResponse(body, status=200 if database else 503, json_dumps_params={"ensure_ascii": False})
