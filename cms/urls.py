from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.core import views as core_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("dokumente/", include(wagtaildocs_urls)),
    # The search layer sits above cms; it is wired in by name only, never imported here.
    path("suche/", include("search.urls")),
    path("api/v1/", include("search.api_urls")),
    path("", include("search.map_urls")),
    path("", include("search.comparable_urls")),
    path("charta/", include("cms.core.taxonomy_urls")),
    path("gemeindegroesse/<slug:size_class>/", core_views.size_class_detail, name="size_class"),
    path("healthz", core_views.healthz, name="healthz"),
    path("zugang/", include("cms.access.urls")),
    path("kontakt/", include("cms.contact.urls")),
    path("nachnutzen/", include("cms.replication.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
