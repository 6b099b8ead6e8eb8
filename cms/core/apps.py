from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cms.core"
    label = "core"
    verbose_name = _("Website")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import licence, pagecache  # noqa: F401 - licence registers its system check

        pagecache.connect_signals()
        post_migrate.connect(pagecache.on_migrate, sender=self)
