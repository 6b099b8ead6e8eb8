from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cms.accounts"
    label = "accounts"
    verbose_name = _("Rollen und Redaktion")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import admin_language, review_messages, signals  # noqa: F401 (review_messages: receivers)

        post_migrate.connect(signals.setup_roles_after_migrate, sender=self, dispatch_uid="accounts.setup_roles")
        post_migrate.connect(
            admin_language.reset_unpermitted_admin_languages, sender=self, dispatch_uid="accounts.admin_language"
        )
