"""The read API, mounted at /api/v1/ (cms/urls.py): one NinjaAPI with one router per layer.

Each layer describes its own data (registry/api.py, cms/projects/api.py, cms/knowledge/api.py,
search/api.py); this top-level app only assembles them and adds what all endpoints share:
problem documents (problems.py), the rate limit (throttling.py), CORS and caching headers
(http.py), the OpenAPI document (platform.py) and the German docs page (docs.py).
"""

from django.urls import path, register_converter
from django.urls.converters import get_converters

from cms.core.converters import IdConverter

from . import docs, http, views
from .platform import PlatformAPI
from .throttling import ClientRateThrottle

# ``{id:…}`` in the routers' paths is the site's id converter; cms/urls.py registers it before it
# includes this module, but a module that imports this one first must find it too.
if "id" not in get_converters():
    register_converter(IdConverter, "id")

app_name = "api"

api = PlatformAPI(
    title="Smart-City-Erfahrungsplattform – Programmierschnittstelle",
    version="1",
    description=views.API_DESCRIPTION,
    urls_namespace=app_name,
    openapi_url=None,  # served by views.openapi (UTF-8, cached), not django-ninja's view
    docs_url=None,  # the German page at docs.api_docs instead of Swagger UI from a CDN
    throttle=[ClientRateThrottle()],
    openapi_extra={"tags": views.TAGS},
)
api.add_router("", views.router)
api.add_router("", "search.api.router")
api.add_router("", "cms.projects.api.router")
api.add_router("", "cms.knowledge.api.router")
api.add_router("", "registry.api.router")

ninja_patterns, _app, _namespace = api.urls

urlpatterns = [
    path("openapi.json", http.api_view(views.openapi), name="openapi"),
    path("docs", docs.api_docs, name="docs"),
    *http.wrap_patterns(ninja_patterns),
    path("<path:rest>", http.unknown, name="not_found"),
]
