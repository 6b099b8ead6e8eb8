from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.accounts import throttling
from cms.core import views as core_views
from cms.core.converters import IdConverter
from cms.core.documents import serve_document
from cms.core.sitemaps import robots_txt, sitemap

# ``<id:…>``: every integer id in the site's own URLs; registered before the includes below use it.
register_converter(IdConverter, "id")

urlpatterns = [
    path("django-admin/", admin.site.urls),
    # Ahead of Wagtail's own route for the same path: the reset form with a per-client limit.
    path("admin/password_reset/", throttling.password_reset),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's download URL (its pattern, unnamed: Wagtail still builds the links), with the id checked first.
    re_path(r"^dokumente/(\d+)/(.*)$", serve_document),
    path("dokumente/", include(wagtaildocs_urls)),
    # The search layer sits above cms; it is wired in by name only, never imported here.
    path("suche/", include("search.urls")),
    # The read API (api/urls.py): a top-level app that mounts each layer's router.
    path("api/v1/", include("api.urls")),
    path("", include("search.map_urls")),
    path("", include("explore.urls")),
    path("charta/", include("cms.core.taxonomy_urls")),
    path("gemeindegroesse/<slug:size_class>/", core_views.size_class_detail, name="size_class"),
    # Database and search engine, reported separately: the view asks the search layer.
    path("", include("search.health_urls")),
    path("zugang/", include("cms.access.urls")),
    path("kontakt/", include("cms.contact.urls")),
    # BITV 2.0: "Barriere melden" below the statement's Wagtail page, Leichte Sprache and Gebärdensprache.
    path("barrierefreiheit/melden/", include("cms.contact.barrier_urls")),
    path("", include("cms.core.easy_read_urls")),
    path("nachnutzen/", include("cms.replication.urls")),
    # Open data (downloads, /daten/, DCAT catalogue), feeds and alerts: top-level apps above search/.
    path("", include("opendata.urls")),
    path("", include("syndication.urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif getattr(settings, "PLAIN_HTTP_LOOPBACK", False):
    from django.views.static import serve as serve_file

    # `make serve` has no nginx in front, so it serves the image renditions the pages show itself,
    # exactly what deploy/nginx/smartcity.conf serves in a real installation: /media/images/ only,
    # never original images or documents (those go through /dokumente/ and its access checks).
    urlpatterns += [
        # The folder itself is the document root, so that no "../" can leave it.
        re_path(r"^media/images/(?P<path>.+)$", serve_file, {"document_root": Path(settings.MEDIA_ROOT) / "images"}),
    ]

urlpatterns += [path("", include(wagtail_urls))]
