from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplicationConfig(AppConfig):
    name = "cms.replication"
    label = "replication"
    verbose_name = _("Nachnutzung")
    default_auto_field = "django.db.models.BigAutoField"
