"""Municipalities' pages: the municipality profile, the project "Steckbrief" and its reports."""

from __future__ import annotations

import hashlib
from io import BytesIO

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.core.blocks import RICH_TEXT_FEATURES, BodyBlock
from cms.core.fields import SanitizedRichTextField, SanitizedStreamField
from cms.core.models import PlatformPage
from cms.projects.completeness import CompletenessPanel
from cms.projects.forms import ProjectPageForm
from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Municipality, Recommendation

MONEY = {
    "max_digits": 12,
    "decimal_places": 2,
    "validators": [MinValueValidator(0, _("Beträge dürfen nicht negativ sein."))],
}


# The rendition the project page's gallery shows (``{% image item.image max-800x600 %}``).
GALLERY_RENDITION = "max-800x600"


class ProjectStatus(models.TextChoices):
    IDEE = "idee", _("Idee")
    PLANUNG = "planung", _("In Planung")
    PILOT = "pilot", _("Pilotbetrieb")
    REGELBETRIEB = "regelbetrieb", _("Regelbetrieb")
    UEBERTRAGEN = "uebertragen", _("Übertragen")
    BEENDET = "beendet", _("Beendet")
    ABGEBROCHEN = "abgebrochen", _("Abgebrochen")


class PartnerType(models.TextChoices):
    """The kinds of partner organisation a project names; the search facet ``partner_type`` uses these keys."""

    WIRTSCHAFT = "wirtschaft", _("Wirtschaft")
    WISSENSCHAFT = "wissenschaft", _("Wissenschaft")
    ZIVILGESELLSCHAFT = "zivilgesellschaft", _("Zivilgesellschaft")
    VERWALTUNG = "verwaltung", _("Verwaltung/Bund/Land")
    VERBAND = "verband", _("Verband")


class MunicipalityPage(PlatformPage):
    """A participating municipality; its registry entry supplies the facts."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("Gemeinde (aus dem Gemeindeverzeichnis)"),
        on_delete=models.PROTECT,
        related_name="page",
        help_text=_("Die Gemeinde aus dem amtlichen Gemeindeverzeichnis; Einwohnerzahl und Land kommen von dort."),
    )
    intro = SanitizedRichTextField(
        _("Vorstellung"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("Wie geht Ihre Kommune die digitale Transformation an? Wer ist zuständig?"),
    )
    smart_city_unit = models.CharField(
        _("Zuständige Stelle"), max_length=200, blank=True, help_text=_("z. B. Stabsstelle Digitalisierung")
    )

    content_panels = Page.content_panels + [
        FieldPanel("municipality"),
        FieldPanel("smart_city_unit"),
        FieldPanel("intro"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["core.SectionIndexPage"]
    subpage_types = ["projects.ProjectPage"]

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")

    def clean(self):
        super().clean()
        if self.municipality_id and not self.title:
            self.title = self.municipality.name

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The project cards show each project's municipality and state: joined, not one query per card.
        context["projects"] = (
            ProjectPage.objects.child_of(self)
            .live()
            .public()
            .select_related("lead_municipality__state")
            .order_by("title")
        )
        return context


# A project's Charta terms, one many-to-many field per vocabulary: imported, exported and served
# under these names, and prefetched together wherever a project is read whole.
CHARTA_TERM_FIELDS = ("guidelines", "leitbild", "recommendations", "actors", "action_fields")


class ProjectPageTag(TaggedItemBase):
    content_object = ParentalKey("projects.ProjectPage", related_name="tagged_items", on_delete=models.CASCADE)


class ProjectPage(PlatformPage):
    """The project description ("Steckbrief") a municipality publishes about a pilot."""

    summary = models.TextField(
        _("Kurzbeschreibung"),
        max_length=600,
        help_text=_("Zwei bis drei Sätze: Was wurde gemacht, für wen, mit welchem Ergebnis?"),
    )
    problem = SanitizedRichTextField(
        _("Ausgangslage und Bedarf"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("Welches Problem sollte gelöst werden? Wer hatte den Bedarf, woran wurde er festgestellt?"),
    )
    solution = SanitizedRichTextField(
        _("Lösung"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("Was wurde umgesetzt, mit welcher Technik und welchen Partnern?"),
    )
    lead_municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("Federführende Kommune"),
        on_delete=models.PROTECT,
        related_name="led_projects",
        null=True,
        editable=False,
        help_text=_("Ergibt sich aus der Kommune, unter der das Projekt angelegt ist."),
    )
    partner_municipalities = ParentalManyToManyField(
        Municipality,
        verbose_name=_("Partnerkommunen"),
        blank=True,
        related_name="partner_projects",
        help_text=_("Bei interkommunalen Projekten: die beteiligten weiteren Kommunen."),
    )
    status = models.CharField(_("Status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANUNG)
    start_date = models.DateField(_("Beginn"), null=True, blank=True)
    end_date = models.DateField(_("Ende"), null=True, blank=True)
    budget_eur = models.DecimalField(_("Gesamtbudget (EUR)"), null=True, blank=True, **MONEY)
    funding_eur = models.DecimalField(_("Davon Fördermittel (EUR)"), null=True, blank=True, **MONEY)
    funding_programme = models.CharField(_("Förderprogramm"), max_length=200, blank=True)
    running_costs_eur_per_year = models.DecimalField(
        _("Laufende Kosten nach der Förderung (EUR/Jahr)"), null=True, blank=True, **MONEY
    )
    staff_effort_person_months = models.DecimalField(
        _("Personalaufwand (Personenmonate)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, _("Der Personalaufwand darf nicht negativ sein."))],
    )
    guidelines = ParentalManyToManyField(
        Guideline,
        verbose_name=_("Charta-Leitlinien"),
        blank=True,
        limit_choices_to={"parent__isnull": False},
        related_name="projects",
    )
    leitbild = ParentalManyToManyField(
        LeitbildAttribute, verbose_name=_("Leitbild-Merkmale"), blank=True, related_name="projects"
    )
    recommendations = ParentalManyToManyField(
        Recommendation, verbose_name=_("Handlungsempfehlungen"), blank=True, related_name="projects"
    )
    actors = ParentalManyToManyField(
        ActorGroup, verbose_name=_("Beteiligte Akteure"), blank=True, related_name="projects"
    )
    action_fields = ParentalManyToManyField(
        ActionField, verbose_name=_("Handlungsfelder"), blank=True, related_name="projects"
    )
    tags = ClusterTaggableManager(through=ProjectPageTag, blank=True, verbose_name=_("Schlagwörter"))
    open_source_license = models.CharField(
        _("Open-Source-Lizenz"), max_length=100, blank=True, help_text=_("SPDX-Kennung, z. B. EUPL-1.2 oder MIT")
    )
    repository_url = models.URLField(_("Quellcode-Repository"), blank=True)
    transferability = models.TextField(
        _("Nachnutzbarkeit: Voraussetzungen"),
        blank=True,
        help_text=_(
            "Was braucht eine andere Kommune, um das Projekt zu übernehmen? (Personal, Technik, Partner, Beschlüsse)"
        ),
    )
    lessons_learned = models.TextField(
        _("Erfahrungen und Lehren"),
        blank=True,
        help_text=_("Was würden Sie heute anders machen? Auch Fehlschläge sind wertvoll für andere."),
    )
    contact_role = models.CharField(_("Ansprechperson: Funktion"), max_length=200, blank=True)
    contact_name = models.CharField(_("Ansprechperson: Name"), max_length=200, blank=True)
    contact_email = models.EmailField(
        _("Ansprechperson: E-Mail"),
        blank=True,
        help_text=_("Wird nicht öffentlich angezeigt."),
    )
    body = SanitizedStreamField(BodyBlock(), verbose_name=_("Weitere Inhalte"), blank=True)

    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("problem"),
        index.SearchField("solution"),
        index.SearchField("transferability"),
        index.SearchField("lessons_learned"),
        index.SearchField("body"),
        index.FilterField("status"),
    ]

    # Editing guidance lives in the panels (not in the model fields), so improving it needs no migration.
    content_panels = Page.content_panels + [
        CompletenessPanel(),
        FieldPanel(
            "summary",
            help_text=_(
                "Zwei bis drei Sätze (höchstens 600 Zeichen): Was wurde gemacht, für wen, mit welchem Ergebnis? "
                "Erscheint in der Suche und auf Projektkarten."
            ),
        ),
        FieldPanel(
            "status",
            help_text=_(
                "Wo steht das Projekt heute? „Pilotbetrieb“: zeitlich oder räumlich begrenzter Test; "
                "„Regelbetrieb“: dauerhaft im Alltag; „Übertragen“: von einer anderen Kommune übernommen. "
                "Auch beendete und abgebrochene Projekte sind für andere lehrreich."
            ),
        ),
    ]
    solution_panels = [
        FieldPanel("problem"),
        FieldPanel(
            "solution",
            help_text=_(
                "Was wurde umgesetzt, mit welcher Technik, welchen Partnern und in welchen Schritten? "
                "Nennen Sie Standards, Produkte und Dienstleister beim Namen, wenn das anderen die Suche erspart."
            ),
        ),
        FieldPanel(
            "body",
            help_text=_("Optional: Ablauf, Kennzahlen, Zitate oder Bilder, die in keines der festen Felder passen."),
        ),
    ]
    resource_panels = [
        FieldRowPanel(
            [
                FieldPanel(
                    "start_date",
                    help_text=_("Beginn der Umsetzung (nicht der ersten Idee). Ein ungefähres Datum genügt."),
                ),
                FieldPanel(
                    "end_date",
                    help_text=_("Bei laufenden Projekten leer lassen oder das geplante Ende der Pilotphase eintragen."),
                ),
            ],
            heading=_("Laufzeit"),
        ),
        FieldRowPanel(
            [
                FieldPanel(
                    "budget_eur",
                    help_text=_(
                        "Gesamtkosten einschließlich Fördermitteln, ohne eigenes Personal. "
                        "Eine Schätzung ist besser als keine Angabe."
                    ),
                ),
                FieldPanel("funding_eur", help_text=_("Der Teil des Gesamtbudgets, der aus Fördermitteln stammt.")),
            ],
            heading=_("Finanzierung"),
        ),
        FieldPanel(
            "funding_programme",
            help_text=_("Programm und Fördergeber, z. B. „Modellprojekte Smart Cities (BMWSB)“."),
        ),
        FieldRowPanel(
            [
                FieldPanel(
                    "running_costs_eur_per_year",
                    help_text=_(
                        "Was kostet der Betrieb pro Jahr nach der Förderung (Lizenzen, Wartung, Mobilfunk, Hosting)? "
                        "Für Kommunen, die nachnutzen wollen, oft die entscheidende Zahl."
                    ),
                ),
                FieldPanel(
                    "staff_effort_person_months",
                    help_text=_(
                        "Eigener Personaleinsatz über die ganze Laufzeit; eine Vollzeitstelle ein Jahr lang = 12."
                    ),
                ),
            ],
            heading=_("Betrieb und Personal"),
        ),
    ]
    charta_panels = [
        FieldPanel(
            "guidelines",
            help_text=_(
                "Welche Leitlinien der Smart City Charta greift das Projekt auf? "
                "Wählen Sie die zwei bis vier, die am besten passen, nicht alle, die irgendwie zutreffen."
            ),
        ),
        FieldPanel(
            "leitbild",
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Zu welchen Leitbildern der Charta trägt das Projekt vor allem bei?"),
        ),
        FieldPanel(
            "recommendations",
            help_text=_(
                "Welche Handlungsempfehlungen der Charta setzt das Projekt um? "
                "Zum Beispiel f) für ein Pilotprojekt oder l) für Erfahrungsaustausch zwischen Kommunen."
            ),
        ),
        FieldPanel(
            "action_fields",
            widget=forms.CheckboxSelectMultiple,
            help_text=_(
                "Die Themen, unter denen andere Kommunen das Projekt in der Suche finden; meist eins oder zwei."
            ),
        ),
        FieldPanel(
            "actors",
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Wer war außer der Verwaltung beteiligt, etwa Wirtschaft, Forschung oder Zivilgesellschaft?"),
        ),
        FieldPanel(
            "tags",
            help_text=_(
                "Freie Stichwörter für die Suche, z. B. die eingesetzte Technik (LoRaWAN) oder ein Produktname."
            ),
        ),
    ]
    transfer_panels = [
        FieldPanel("partner_municipalities"),
        InlinePanel(
            "partner_organisations",
            label=_("Partnerorganisation"),
            heading=_("Partnerorganisationen"),
            max_num=30,
            help_text=_(
                "Wer außer Kommunen war beteiligt, etwa ein Unternehmen, eine Hochschule, ein Verein oder eine "
                "Landesbehörde? Mit Art und Rolle finden andere Kommunen Projekte mit ähnlichen Partnern."
            ),
        ),
        FieldPanel(
            "transferability",
            help_text=_(
                "Was braucht eine andere Kommune, um das Projekt zu übernehmen: Personal und Fachwissen, Technik, "
                "Partner, Beschlüsse, Ausschreibung? Was kann sie direkt übernehmen (Quellcode, "
                "Leistungsbeschreibung, Vorlagen)?"
            ),
        ),
        InlinePanel(
            "adapted_from",
            label=_("Ursprungsprojekt"),
            heading=_("Nachnutzung: Von welchem Projekt haben Sie übernommen?"),
            help_text=_(
                "Hat Ihre Kommune ein Projekt einer anderen Kommune übernommen? Wählen Sie das Ursprungsprojekt und "
                "schreiben Sie, was Sie angepasst haben. Beide Projektseiten zeigen dann die Verbindung, und wer "
                "nachnutzen will, sieht, was sich in einer anderen Kommune ändern musste."
            ),
        ),
        FieldPanel(
            "lessons_learned",
            help_text=_(
                "Was hat gut funktioniert, was würden Sie heute anders machen, und warum? "
                "Auch Fehlschläge sind wertvoll für andere."
            ),
        ),
        MultiFieldPanel(
            [
                FieldPanel("open_source_license"),
                FieldPanel(
                    "repository_url",
                    help_text=_(
                        "Öffentliche Adresse des Quellcodes, z. B. auf OpenCoDE. Nötig, wenn eine Lizenz angegeben ist."
                    ),
                ),
            ],
            heading=_("Open Source"),
        ),
        InlinePanel("datasets", label=_("Veröffentlichte Datensätze")),
        InlinePanel("gallery_images", label=_("Bilder")),
        InlinePanel("attachments", label=_("Dokumente")),
    ]
    contact_panels = [
        FieldPanel(
            "contact_role",
            help_text=_(
                "Funktion oder Stelle, z. B. „Digitalisierungsbeauftragte“ oder „Bauamt, Tiefbau“. "
                "Wird öffentlich angezeigt und bleibt gültig, wenn die Person wechselt."
            ),
        ),
        FieldPanel("contact_name", help_text=_("Freiwillig. Wird öffentlich angezeigt.")),
        FieldPanel(
            "contact_email",
            help_text=_(
                "Möglichst ein Funktionspostfach. Die Adresse wird nie öffentlich angezeigt: Besucher schreiben "
                "über ein Kontaktformular auf der Projektseite, die Plattform leitet ihre Nachricht weiter."
            ),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Überblick")),
            ObjectList(solution_panels, heading=_("Lösung")),
            ObjectList(resource_panels, heading=_("Ressourcen")),
            ObjectList(charta_panels, heading=_("Charta")),
            ObjectList(transfer_panels, heading=_("Nachnutzung")),
            ObjectList(contact_panels, heading=_("Kontakt")),
            ObjectList(PlatformPage.promote_panels, heading=_("Veröffentlichung")),
            ObjectList(PlatformPage.settings_panels, heading=_("Einstellungen")),
        ]
    )
    base_form_class = ProjectPageForm
    parent_page_types = ["projects.MunicipalityPage"]
    subpage_types = ["projects.ExperienceReportPage", "projects.EvaluationReportPage"]

    class Meta:
        verbose_name = _("Projekt-Steckbrief")
        verbose_name_plural = _("Projekt-Steckbriefe")

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Das Ende darf nicht vor dem Beginn liegen.")
        if self.budget_eur is not None and self.funding_eur is not None and self.funding_eur > self.budget_eur:
            errors["funding_eur"] = _("Die Fördermittel dürfen das Gesamtbudget nicht übersteigen.")
        if self.funding_eur and not self.funding_programme:
            errors["funding_programme"] = _("Bitte nennen Sie das Förderprogramm, aus dem die Fördermittel stammen.")
        if self.open_source_license and not self.repository_url:
            errors["repository_url"] = _("Bitte geben Sie an, wo der Quellcode zu finden ist.")
        lineage = adaptation_problems(self.pk, [a.source_id for a in self.adapted_from.all()])
        if lineage:
            errors[NON_FIELD_ERRORS] = lineage
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        parent = self.get_parent() if self.path else None
        if parent is not None:
            parent = parent.specific
            if isinstance(parent, MunicipalityPage):
                self.lead_municipality_id = parent.municipality_id
        return super().save(*args, **kwargs)

    def lineage_sources(self) -> list[ProjectAdaptation]:
        """The projects this one was adapted from ("Nachnutzung von"), in the editor's order.

        Only live, public sources: a link must not lead to, or reveal, an unpublished page. Works on
        the unsaved links of a preview too.
        """
        links = [link for link in self.adapted_from.all() if link.source_id]
        sources = {
            page.pk: page
            for page in ProjectPage.objects.live()
            .public()
            .filter(pk__in=[link.source_id for link in links])
            .select_related("lead_municipality")
        }
        for link in links:
            if link.source_id in sources:
                link.source = sources[link.source_id]
        return [link for link in links if link.source_id in sources]

    def lineage_adopters(self) -> list[ProjectAdaptation]:
        """The live, public projects adapted from this one ("Nachgenutzt in"), by municipality and title."""
        if not self.pk:
            return []
        return list(
            ProjectAdaptation.objects.filter(source_id=self.pk, page__in=ProjectPage.objects.live().public())
            .select_related("page__lead_municipality")
            .order_by("page__lead_municipality__name", "page__title", "pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        children = [p for p in self.get_children().live().public().specific()]
        children.sort(key=lambda r: r.report_date, reverse=True)
        context["reports"] = children
        context["lineage_sources"] = self.lineage_sources()
        context["lineage_adopters"] = self.lineage_adopters()
        context.update(self.listed_relations())
        return context

    def listed_relations(self) -> dict[str, list]:
        """Partner municipalities and organisations, images and attachments with what the page shows of each, in a fixed number of queries.

        The related rows are read through the page's own managers (so a preview shows the editor's
        unsaved lists) and what each row points to is then loaded for all rows at once, instead of
        one query per partner, image and document while the template renders.
        """
        from wagtail.images import get_image_model

        partners = list(self.partner_municipalities.all())
        prefetch_related_objects(partners, "state", "page")
        images = list(self.gallery_images.all())
        prefetch_related_objects(
            images, Prefetch("image", queryset=get_image_model().objects.prefetch_renditions(GALLERY_RENDITION))
        )
        attachments = list(self.attachments.all())
        prefetch_related_objects(attachments, "document")
        return {
            "partners": partners,
            "partner_organisations": list(self.partner_organisations.all()),
            "gallery_images": images,
            "attachments": attachments,
        }


def adaptation_problems(page_id: int | None, source_ids: list[int | None]) -> list[str]:
    """Why a project's list of source projects is invalid (German messages); empty if it is fine."""
    problems = []
    if page_id is not None and page_id in source_ids:
        problems.append(
            _("Ein Projekt kann nicht von sich selbst nachgenutzt sein. Bitte wählen Sie ein anderes Projekt.")
        )
    named = [pk for pk in source_ids if pk is not None]
    if len(set(named)) < len(named):
        problems.append(_("Jedes Ursprungsprojekt darf nur einmal genannt werden."))
    return problems


class ProjectAdaptationQuerySet(models.QuerySet):
    def visible(self) -> ProjectAdaptationQuerySet:
        """Links between two live, public projects: the ones pages show and search and coverage count."""
        live = ProjectPage.objects.live().public()
        return self.filter(page__in=live, source__in=live)


class ProjectAdaptation(Orderable):
    """Lineage ("Nachnutzung"): ``page`` was adapted from ``source``, a project of another municipality.

    ``page.adapted_from`` lists a project's sources; ``source.adaptations`` the projects adapted from it.
    """

    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="adapted_from")
    source = models.ForeignKey(
        ProjectPage,
        verbose_name=_("Ursprungsprojekt"),
        on_delete=models.CASCADE,
        related_name="adaptations",
        help_text=_("Das Projekt, das Ihre Kommune übernommen hat."),
    )
    note = models.TextField(
        _("Was wurde angepasst?"),
        blank=True,
        help_text=_(
            "Was haben Sie gegenüber dem Ursprungsprojekt geändert, weggelassen oder ergänzt, und warum? "
            "Zum Beispiel andere Technik, kleinerer Umfang, ein anderer Träger oder andere Partner."
        ),
    )

    objects = ProjectAdaptationQuerySet.as_manager()

    panels = [PageChooserPanel("source", "projects.ProjectPage"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("Nachnutzung")
        verbose_name_plural = _("Nachnutzungen")

    def __str__(self) -> str:
        return f"{self.page} ← {self.source}"


class ProjectPartnerOrganisation(Orderable):
    """A partner beyond municipalities (company, university, association, state agency) and its role."""

    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="partner_organisations")
    name = models.CharField(
        _("Name"),
        max_length=200,
        help_text=_("Name der Organisation, z. B. „Stadtwerke Musterstadt GmbH“ oder „Hochschule Beispielstadt“."),
    )
    type = models.CharField(
        _("Art"),
        max_length=20,
        choices=PartnerType.choices,
        help_text=_("Aus welchem Bereich kommt die Organisation?"),
    )
    role = models.CharField(
        _("Rolle"),
        max_length=200,
        blank=True,
        help_text=_("Optional: Was hat die Organisation beigetragen, z. B. „technischer Betrieb“ oder „Evaluation“."),
    )

    panels = [FieldPanel("name"), FieldPanel("type"), FieldPanel("role")]

    class Meta(Orderable.Meta):
        verbose_name = _("Partnerorganisation")
        verbose_name_plural = _("Partnerorganisationen")

    def __str__(self) -> str:
        return self.name


class ProjectDataset(Orderable):
    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="datasets")
    title = models.CharField(
        _("Titel"), max_length=200, help_text=_("Name des Datensatzes, wie er im Datenportal heißt.")
    )
    url = models.URLField(
        _("Adresse"), help_text=_("Adresse des Datensatzes, z. B. im Open-Data-Portal Ihrer Kommune oder bei GovData.")
    )
    license = models.CharField(
        _("Lizenz"),
        max_length=100,
        blank=True,
        help_text=_("z. B. „Datenlizenz Deutschland – Namensnennung – 2.0“ oder „CC BY 4.0“"),
    )

    panels = [FieldPanel("title"), FieldPanel("url"), FieldPanel("license")]


class ProjectImage(Orderable):
    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Ein Foto oder eine Grafik aus dem Projekt; nur Bilder, an denen Sie die Rechte haben."),
    )
    alt_text = models.CharField(
        _("Alternativtext"),
        max_length=250,
        help_text=_("Was auf dem Bild zu sehen ist, für Menschen, die es nicht sehen können (ein bis zwei Sätze)."),
    )
    caption = models.CharField(
        _("Bildunterschrift"),
        max_length=250,
        blank=True,
        help_text=_("Optional: Text unter dem Bild, z. B. der Bildnachweis."),
    )

    panels = [FieldPanel("image"), FieldPanel("alt_text"), FieldPanel("caption")]


class ProjectAttachment(Orderable):
    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Ein Dokument zum Projekt, z. B. Leistungsbeschreibung, Beschlussvorlage oder Präsentation."),
    )
    title = models.CharField(
        _("Linktext"),
        max_length=200,
        blank=True,
        help_text=_("Optional: der Text des Links; ohne Angabe erscheint der Titel des Dokuments."),
    )

    panels = [FieldPanel("document"), FieldPanel("title")]


def pdf_fingerprint(document) -> str:
    """Which file a report's ``pdf_text`` was extracted from ("" for none).

    Document id, stored file name, size and hash, all read from the document's row: no file is
    opened. A new file uploaded into the same document gets a new name from the storage (it never
    overwrites), so the fingerprint changes with the file, not with the document's title or tags.
    """
    if document is None:
        return ""
    source = f"{document.pk}\n{document.file.name}\n{document.file_size or ''}\n{document.file_hash}"
    return hashlib.sha256(source.encode()).hexdigest()


def extract_pdf_text(document) -> str:
    """Text of a PDF, so that search finds words that only appear inside the attached report."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with document.file.open("rb") as fh:
            reader = PdfReader(BytesIO(fh.read()))
            return "\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PdfReadError, OSError, ValueError):
        return ""


class GoalAttainment(models.TextChoices):
    ERREICHT = "erreicht", _("Ziele erreicht")
    TEILWEISE = "teilweise", _("Ziele teilweise erreicht")
    NICHT = "nicht_erreicht", _("Ziele nicht erreicht")
    OFFEN = "offen", _("Noch offen")


class ReportPage(PlatformPage):
    report_date = models.DateField(
        _("Datum"),
        help_text=_("Wann wurde der Bericht abgeschlossen? Danach werden die Berichte eines Projekts sortiert."),
    )
    author_organisation = models.CharField(
        _("Verfasst von (Organisation)"),
        max_length=200,
        help_text=_("Wer hat den Bericht verfasst, z. B. „Stadt Musterstadt, Stabsstelle Digitalisierung“?"),
    )
    findings = SanitizedRichTextField(
        _("Ergebnisse"),
        features=RICH_TEXT_FEATURES,
        help_text=_("Was hat funktioniert, was nicht, und warum?"),
    )
    body = SanitizedStreamField(
        BodyBlock(),
        verbose_name=_("Weitere Inhalte"),
        blank=True,
        help_text=_("Optional: Bilder, Zitate, Tabellen oder Abschnitte, die in keines der festen Felder passen."),
    )
    pdf = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("Bericht als PDF"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional: der vollständige Bericht als PDF-Datei; die Suche findet auch Wörter aus dem PDF."),
    )
    pdf_text = models.TextField(_("Text aus dem PDF"), blank=True, editable=False)
    # pdf_fingerprint(document) of the file pdf_text was extracted from; "" while it is still to be
    # extracted (or there is no PDF). See ReportPage.save and cms.projects.tasks.
    pdf_fingerprint = models.CharField(_("Fingerabdruck des PDF"), max_length=64, blank=True, editable=False)

    search_fields = Page.search_fields + [
        index.SearchField("findings", boost=1.5),
        index.SearchField("body"),
        index.SearchField("pdf_text"),
        index.SearchField("author_organisation"),
    ]
    parent_page_types = ["projects.ProjectPage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.pdf_id and not self.pdf.file.name.lower().endswith(".pdf"):
            raise ValidationError({"pdf": _("Bitte wählen Sie eine PDF-Datei.")})

    def save(self, *args, **kwargs):
        """Keep ``pdf_text`` true to the attached PDF without parsing it here.

        Parsing a large PDF took seconds of the editor's request on every save; now the text is
        extracted by a background task (cms.projects.tasks), and only when the file changed.
        Saves that do not write ``pdf`` (Wagtail's ``save_revision`` writes only its own fields)
        leave the text alone.
        """
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "pdf" not in update_fields:
            return super().save(*args, **kwargs)
        needs_extraction = self._settle_pdf_text()
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "pdf_text", "pdf_fingerprint"}
        result = super().save(*args, **kwargs)
        if needs_extraction:
            from cms.projects.tasks import extract_report_pdf_text  # tasks.py imports this module

            # Queued inside the caller's transaction: with the database backend the task row
            # commits (or rolls back) together with the page.
            extract_report_pdf_text.enqueue(self.pk)
        return result

    def _settle_pdf_text(self) -> bool:
        """Set ``pdf_text`` for the current ``pdf`` where it is known; True if it must be extracted.

        Wagtail publishes a page from its revision, and a revision holds the text (and fingerprint)
        the page had when the revision was saved: often "" (saved before the task ran) or the text
        of a file replaced since. The page's row is what the extraction task updates, so it is the
        one to trust: its text is taken over if it belongs to the same file. Text of another file
        is dropped, never published with the new one.
        """
        current = pdf_fingerprint(self.pdf if self.pdf_id else None)
        if self.pdf_fingerprint == current and (current or not self.pdf_text):
            return False
        if not current:
            self.pdf_text, self.pdf_fingerprint = "", ""
            return False
        stored = (
            type(self).objects.filter(pk=self.pk).values("pdf_text", "pdf_fingerprint").first() if self.pk else None
        )
        if stored is not None and stored["pdf_fingerprint"] == current:
            self.pdf_text, self.pdf_fingerprint = stored["pdf_text"], current
            return False
        self.pdf_text, self.pdf_fingerprint = "", ""
        return True

    @cached_property
    def project(self) -> ProjectPage:
        """The project the report is about; ``attach_projects`` fills it for a whole list at once."""
        return self.get_parent().specific


def attach_projects(reports: list[ReportPage]) -> list[ReportPage]:
    """Set ``report.project`` for every report in one query, for lists that show each report's project.

    Without it, every report card would ask the database for its parent page (and its municipality).
    """
    steplen = Page.steplen
    parent_paths = {report.path[:-steplen] for report in reports}
    projects = {
        project.path: project
        for project in ProjectPage.objects.filter(path__in=parent_paths).select_related("lead_municipality")
    }
    for report in reports:
        project = projects.get(report.path[:-steplen])
        if project is not None:
            report.__dict__["project"] = project  # the cached_property's slot
    return reports


class ExperienceReportPage(ReportPage):
    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("report_date"), FieldPanel("author_organisation")]),
        FieldPanel("findings"),
        FieldPanel("pdf"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("Erfahrungsbericht")
        verbose_name_plural = _("Erfahrungsberichte")


class EvaluationReportPage(ReportPage):
    goal_attainment = models.CharField(
        _("Zielerreichung"),
        max_length=20,
        choices=GoalAttainment.choices,
        default=GoalAttainment.OFFEN,
        help_text=_("Wie weit hat das Projekt die Ziele erreicht, die es sich selbst gesetzt hatte?"),
    )
    goal_attainment_note = models.TextField(
        _("Erläuterung zur Zielerreichung"),
        blank=True,
        help_text=_("Welche Ziele wurden erreicht, welche nicht, und woran lag es?"),
    )
    method = models.TextField(_("Methode"), blank=True, help_text=_("Wie wurde evaluiert? Daten, Zeitraum, Vergleich"))

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("report_date"), FieldPanel("author_organisation")]),
        FieldPanel("method"),
        FieldPanel("findings"),
        MultiFieldPanel(
            [FieldPanel("goal_attainment"), FieldPanel("goal_attainment_note")], heading=_("Zielerreichung")
        ),
        InlinePanel("indicators", label=_("Indikatoren")),
        FieldPanel("pdf"),
        FieldPanel("body"),
    ]
    search_fields = ReportPage.search_fields + [index.SearchField("method")]

    class Meta:
        verbose_name = _("Evaluationsbericht")
        verbose_name_plural = _("Evaluationsberichte")


class Indicator(Orderable):
    page = ParentalKey(EvaluationReportPage, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(
        _("Indikator"), max_length=200, help_text=_("Was wurde gemessen, z. B. „Wartezeit im Bürgerbüro“?")
    )
    unit = models.CharField(_("Einheit"), max_length=50, blank=True, help_text=_("z. B. min, %, kWh oder Anzahl"))
    baseline = models.DecimalField(
        _("Ausgangswert"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Der Wert vor dem Projekt."),
    )
    target = models.DecimalField(
        _("Zielwert"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Der Wert, den das Projekt erreichen wollte."),
    )
    measured = models.DecimalField(
        _("Gemessener Wert"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Der zuletzt gemessene Wert."),
    )
    measured_on = models.DateField(
        _("Messdatum"), null=True, blank=True, help_text=_("Wann wurde der gemessene Wert erhoben?")
    )

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("unit"), FieldPanel("measured_on")]),
        FieldRowPanel([FieldPanel("baseline"), FieldPanel("target"), FieldPanel("measured")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("Indikator")
        verbose_name_plural = _("Indikatoren")

    @property
    def attained(self) -> bool | None:
        """Whether the measured value reached the target, in the direction baseline → target."""
        if self.target is None or self.measured is None:
            return None
        if self.baseline is not None and self.target < self.baseline:
            return self.measured <= self.target
        return self.measured >= self.target
