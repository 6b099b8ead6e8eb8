from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cms.accounts"
    label = "accounts"
    verbose_name = _("Rollen und Redaktion")
    default_auto_field = "django.db.models.BigAutoField"
