from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExploreConfig(AppConfig):
    """Ways into the collection that need the database, not the search index.

    The coverage page (counts per guideline and size class) and the visitor's own municipality
    ("Meine Kommune": the picker, its session and the "Projekte für …" ranking) live here, below
    ``search/``: the search page uses the remembered municipality, not the other way round.
    """

    name = "explore"
    verbose_name = _("Erkunden")
    default_auto_field = "django.db.models.BigAutoField"
