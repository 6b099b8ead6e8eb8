from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "platform_search"
    verbose_name = _("Suche")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from registry.models import ActionField, Guideline, LeitbildAttribute, Recommendation

        from . import signals  # noqa: F401  (connects the publishing signals)
        from .facets import clear_label_cache

        for model in (Guideline, LeitbildAttribute, Recommendation, ActionField):
            post_save.connect(lambda **kwargs: clear_label_cache(), sender=model, weak=False)
