from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "platform_search"
    verbose_name = _("Suche")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from registry.models import ActionField, Guideline, LeitbildAttribute, Recommendation

        from . import signals  # noqa: F401  (connects the publishing signals)
        from .analysis_query import forget_synonyms
        from .facets import clear_label_cache
        from .models import Synonym

        for model in (Guideline, LeitbildAttribute, Recommendation, ActionField):
            post_save.connect(lambda **kwargs: clear_label_cache(), sender=model, weak=False)
        # A synonym edited in the admin applies to this process's next search at once.
        post_save.connect(forget_synonyms, sender=Synonym, weak=False)
        post_delete.connect(forget_synonyms, sender=Synonym, weak=False)
