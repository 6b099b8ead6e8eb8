from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The versioned read API under /api/v1/: one django-ninja NinjaAPI that mounts each layer's router.

    A top-level app because it mounts routers from every layer (registry/ <- cms/ <- search/),
    and a layer imports only from below it.
    """

    name = "api"
    verbose_name = _("Programmierschnittstelle")
    default_auto_field = "django.db.models.BigAutoField"
