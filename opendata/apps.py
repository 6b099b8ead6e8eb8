from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    """Open data: the downloads (JSON, CSV, XLSX), the page /daten/ and the DCAT-AP.de catalogue.

    A top-level app because a download of the current search reads the search layer, and the
    catalogue describes the API, which mounts every layer.
    """

    name = "opendata"
    verbose_name = _("Offene Daten")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks of the catalogue settings (CATALOGUE_*, GOVDATA_CONTRIBUTOR_ID).
        from . import checks  # noqa: F401
