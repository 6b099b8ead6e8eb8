from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the platform: `manage.py maintenance`.

    A top-level app because maintenance reaches into every layer (registry/ <- cms/ <- search/),
    and a layer imports only from below it. It has no models: the record of each run is
    cms.core.models.MaintenanceRun, so that search_status can show it (see there).
    """

    name = "operations"
    verbose_name = _("Betrieb")
    default_auto_field = "django.db.models.BigAutoField"
