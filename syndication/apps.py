from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyndicationConfig(AppConfig):
    """Hearing about new projects: Atom feeds and e-mail alerts (double opt-in) for a search or a project.

    A top-level app because both run saved searches through the search layer.
    """

    name = "syndication"
    verbose_name = _("Feeds und Benachrichtigungen")
    default_auto_field = "django.db.models.BigAutoField"
