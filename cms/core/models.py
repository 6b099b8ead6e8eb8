"""Site-wide page types: home, section indexes and the editable legal pages."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page
from wagtail.search import index

from .blocks import RICH_TEXT_FEATURES, BodyBlock
from .fields import SanitizedRichTextField, SanitizedStreamField
from .forms import PlatformPageForm
from .panels import PROMOTE_PANELS, SETTINGS_PANELS


class PlatformPage(Page):
    """Fields every exchangeable content page carries.

    ``external_id`` is the key the exchange format imports and updates by; ``is_demo``
    marks fictional demo content, which every template announces as "Beispieldaten".
    """

    external_id = models.CharField(
        _("Externe Kennung"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Kennung aus dem Austauschformat; wird beim erneuten Import zum Abgleich genutzt."),
    )
    is_demo = models.BooleanField(
        _("Beispieldaten"),
        default=False,
        help_text=_("Fiktiver Demo-Inhalt: Die Seite zeigt einen deutlichen Hinweis „Beispieldaten“."),
    )

    # Slug, SEO fields, menus, external id and demo flag: administrators and the editorial team only.
    promote_panels = PROMOTE_PANELS
    settings_panels = SETTINGS_PANELS
    base_form_class = PlatformPageForm

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Pages made in the admin get an id too, so every page can be exported and re-imported.
        if not self.external_id:
            self.external_id = f"{self._meta.model_name}-{uuid.uuid4().hex[:12]}"
        return super().save(*args, **kwargs)


class HomePage(Page):
    intro = models.TextField(_("Einleitung"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    base_form_class = PlatformPageForm
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("Startseite")

    def get_context(self, request, *args, **kwargs):
        from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage, attach_projects
        from registry.models import Guideline
        from registry.size_class import SIZE_CLASS_BOUNDS, SizeClass

        context = super().get_context(request, *args, **kwargs)
        context["guidelines"] = Guideline.objects.filter(parent=None).prefetch_related("children")
        context["size_classes"] = [(sc, SIZE_CLASS_BOUNDS[sc]) for sc in SizeClass]
        context["latest_projects"] = (
            ProjectPage.objects.live()
            .public()
            .select_related("lead_municipality__state")
            .order_by("-first_published_at", "-pk")[:6]
        )
        reports = list(ExperienceReportPage.objects.live().public().order_by("-report_date", "-pk")[:4]) + list(
            EvaluationReportPage.objects.live().public().order_by("-report_date", "-pk")[:4]
        )
        reports.sort(key=lambda r: (r.report_date, r.pk), reverse=True)
        context["latest_reports"] = attach_projects(reports[:6])
        return context


class SectionIndexPage(Page):
    """The "Kommunen" and "Wissen" sections: an introduction and the list of children."""

    intro = SanitizedRichTextField(_("Einleitung"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    base_form_class = PlatformPageForm
    parent_page_types = ["core.HomePage"]
    subpage_types = ["projects.MunicipalityPage", "knowledge.GuidePage", "knowledge.ChecklistPage"]

    class Meta:
        verbose_name = _("Bereichsseite")

    def get_context(self, request, *args, **kwargs):
        from django.db.models import prefetch_related_objects

        from cms.projects.models import MunicipalityPage

        context = super().get_context(request, *args, **kwargs)
        children = list(self.get_children().live().public().specific().order_by("title"))
        # Municipality cards show the registry entry and its state: loaded for all cards at once.
        prefetch_related_objects([c for c in children if isinstance(c, MunicipalityPage)], "municipality__state")
        context["children"] = children
        return context


class StandardPage(Page):
    """Impressum, Datenschutz, Erklärung zur Barrierefreiheit: editable text pages."""

    intro = models.TextField(_("Einleitung"), blank=True)
    body = SanitizedStreamField(BodyBlock(), verbose_name=_("Inhalt"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    base_form_class = PlatformPageForm
    parent_page_types = ["core.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("Textseite")


class DataSourcesPage(StandardPage):
    """The "Datenquellen" page; the licence attribution is rendered from fixtures, not typed in."""

    max_count = 1

    class Meta:
        verbose_name = _("Datenquellen-Seite")

    def get_context(self, request, *args, **kwargs):
        from registry.loaders import data_attribution
        from registry.models import Municipality

        context = super().get_context(request, *args, **kwargs)
        context["attribution"] = data_attribution()
        context["municipality_count"] = Municipality.objects.count()
        return context


class MaintenanceRun(models.Model):
    """One run of `manage.py maintenance`: when it ran and what it did.

    The command lives in operations/, above search/, because it replays the search outbox. Its
    record lives here, in the lowest layer that suits it, because `search_status` (search/) shows
    when maintenance last ran and layers import only downward: search/ may read this model, but
    never anything in operations/. The record holds only numbers and the German summary the
    command printed, nothing that would tie this layer to the ones above.
    """

    started_at = models.DateTimeField(_("begonnen"))
    finished_at = models.DateTimeField(_("beendet"), db_index=True)
    results = models.JSONField(_("Ergebnisse"), default=dict)
    summary = models.TextField(_("Zusammenfassung"))

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("Wartungslauf")
        verbose_name_plural = _("Wartungsläufe")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"

    @classmethod
    def last(cls) -> MaintenanceRun | None:
        return cls.objects.order_by("-finished_at").first()
