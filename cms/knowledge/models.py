"""Researchers' and editors' material: guides and checklists (including Prüfraster)."""

from __future__ import annotations

from django import forms
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.core.blocks import GuideSectionBlock
from cms.core.fields import SanitizedStreamField
from cms.core.models import PlatformPage
from registry.models import Guideline


class Phase(models.TextChoices):
    VORBEREITUNG = "vorbereitung", _("Vorbereitung")
    PLANUNG = "planung", _("Planung")
    UMSETZUNG = "umsetzung", _("Umsetzung")
    BETRIEB = "betrieb", _("Betrieb")
    EVALUATION = "evaluation", _("Evaluation")
    NACHNUTZUNG = "nachnutzung", _("Nachnutzung")


def sub_guideline_choices() -> list[tuple[str, str]]:
    """Choices read at form time, so that taxonomy edits show up without a migration."""
    return [(g.code, str(g)) for g in Guideline.objects.filter(parent__isnull=False)]


class GuidelineCodesBlock(blocks.MultipleChoiceBlock):
    """Sub-guideline codes of a checklist item.

    Wagtail normalises each stored value against the choices, and the choices are read from the
    database: one query per code whenever a checklist's items are loaded. The stored codes are
    strings, which that normalisation returns unchanged, so loading skips it.
    """

    def to_python(self, value):
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


class ChecklistItemBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Prüfpunkt"), max_length=300)
    explanation = blocks.TextBlock(label=_("Erläuterung"), required=False)
    phase = blocks.ChoiceBlock(label=_("Phase"), choices=Phase.choices, default=Phase.PLANUNG)
    required = blocks.BooleanBlock(label=_("Pflichtpunkt"), required=False, default=True)
    guidelines = GuidelineCodesBlock(
        label=_("Charta-Leitlinien"), choices=sub_guideline_choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        icon = "tick-inverse"
        label = _("Prüfpunkt")


class KnowledgePage(PlatformPage):
    intro = models.TextField(_("Einleitung"), help_text=_("Für wen ist das Material, und wobei hilft es?"))
    author_organisation = models.CharField(
        _("Herausgegeben von"),
        max_length=200,
        blank=True,
        help_text=_("Wer hat das Material herausgegeben, z. B. ein Institut, ein Verband oder eine Kommune?"),
    )

    parent_page_types = ["core.SectionIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True


class GuidePage(KnowledgePage):
    guidelines = ParentalManyToManyField(
        Guideline,
        verbose_name=_("Charta-Leitlinien"),
        blank=True,
        limit_choices_to={"parent__isnull": False},
        related_name="guides",
        help_text=_("Zu welchen Leitlinien der Smart City Charta gibt der Leitfaden Hilfe?"),
    )
    sections = SanitizedStreamField(
        [("section", GuideSectionBlock())],
        verbose_name=_("Abschnitte"),
        help_text=_("Der Leitfaden in Abschnitten, je mit Überschrift und Text, in der Reihenfolge des Vorgehens."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("author_organisation"),
        FieldPanel("guidelines", widget=forms.CheckboxSelectMultiple),
        FieldPanel("sections"),
        InlinePanel("example_projects", label=_("Beispielprojekte")),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro", boost=2), index.SearchField("sections")]

    class Meta:
        verbose_name = _("Leitfaden")
        verbose_name_plural = _("Leitfäden")


class GuideExampleProject(Orderable):
    page = ParentalKey(GuidePage, on_delete=models.CASCADE, related_name="example_projects")
    project = models.ForeignKey(
        "projects.ProjectPage",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Ein Steckbrief, an dem sich zeigt, wie der Leitfaden in der Praxis aussieht."),
    )
    note = models.CharField(
        _("Warum dieses Beispiel?"),
        max_length=300,
        blank=True,
        help_text=_("Was lässt sich an diesem Projekt lernen?"),
    )

    panels = [PageChooserPanel("project", "projects.ProjectPage"), FieldPanel("note")]


class ChecklistPage(RoutablePageMixin, KnowledgePage):
    guidelines = ParentalManyToManyField(
        Guideline,
        verbose_name=_("Charta-Leitlinien"),
        blank=True,
        limit_choices_to={"parent__isnull": False},
        related_name="checklists",
        help_text=_("Zu welchen Leitlinien der Smart City Charta gehören die Prüfpunkte?"),
    )
    is_pruefraster = models.BooleanField(
        _("Prüfraster"),
        default=False,
        help_text=_("Ein Prüfraster dient der Bewertung eines Vorhabens, nicht nur als Aufgabenliste."),
    )
    items = SanitizedStreamField(
        [("item", ChecklistItemBlock())],
        verbose_name=_("Prüfpunkte"),
        help_text=_("Die Prüfpunkte, je mit Phase und Erläuterung; Pflichtpunkte muss jedes Vorhaben klären."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("author_organisation"),
        FieldPanel("is_pruefraster"),
        FieldPanel("guidelines", widget=forms.CheckboxSelectMultiple),
        FieldPanel("items"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro", boost=2), index.SearchField("items")]

    class Meta:
        verbose_name = _("Checkliste")
        verbose_name_plural = _("Checklisten")

    def grouped_items(self) -> list[tuple[str, list]]:
        """Items grouped by phase in the phases' natural order, keeping the editor's order inside."""
        groups: dict[str, list] = {phase: [] for phase in Phase.values}
        for number, block in enumerate(self.items, start=1):
            groups[block.value["phase"]].append((number, block.value))
        return [(Phase(phase).label, items) for phase, items in groups.items() if items]

    def item_guideline_codes(self) -> set[str]:
        return {code for block in self.items for code in block.value["guidelines"]}

    @path("drucken/", name="print")
    def print_view(self, request):
        return TemplateResponse(
            request, "knowledge/checklist_print.html", self.get_context(request) | {"print_view": True}
        )
