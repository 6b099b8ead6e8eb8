from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "cms.projects"
    label = "projects"
    verbose_name = _("Kommunen und Projekte")
    default_auto_field = "django.db.models.BigAutoField"
