"""Reference registries that content is tagged with.

These are plain Django models on purpose: the registry is the bottom layer and knows
nothing about Wagtail pages or search. The CMS registers them as snippets.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .size_class import SIZE_CLASS_BOUNDS, SizeClass, size_class_for
from .validators import validate_ags


class CharterTerm(models.Model):
    """A term with a stable code; codes are what the exchange format and URLs use."""

    code = models.CharField(_("Code"), max_length=20, unique=True)
    title = models.CharField(_("Titel"), max_length=255)
    scope = models.TextField(
        _("Geltungsbereich"), blank=True, help_text=_("Stichworte zum Inhalt, laut Charta-Struktur.")
    )
    description = models.TextField(
        _("Beschreibung"),
        blank=True,
        help_text=_("Kurze, eigene Erläuterung für Kommunen: Worum geht es, woran erkennt man passende Projekte?"),
    )
    sort_order = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Guideline(CharterTerm):
    """A Charta guideline (1–4) or sub-guideline (1.1–4.3)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("Übergeordnete Leitlinie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta(CharterTerm.Meta):
        verbose_name = _("Leitlinie")
        verbose_name_plural = _("Leitlinien")

    @property
    def is_sub_guideline(self) -> bool:
        return self.parent_id is not None

    @property
    def main_code(self) -> str:
        return self.code.split(".")[0]


class LeitbildAttribute(CharterTerm):
    class Meta(CharterTerm.Meta):
        verbose_name = _("Leitbild-Merkmal")
        verbose_name_plural = _("Leitbild-Merkmale")

    def __str__(self) -> str:
        return self.title


class Recommendation(CharterTerm):
    class Meta(CharterTerm.Meta):
        verbose_name = _("Handlungsempfehlung")
        verbose_name_plural = _("Handlungsempfehlungen")

    def __str__(self) -> str:
        return f"{self.code}) {self.title}"


class ActorGroup(CharterTerm):
    class Meta(CharterTerm.Meta):
        verbose_name = _("Akteursgruppe")
        verbose_name_plural = _("Akteursgruppen")

    def __str__(self) -> str:
        return self.title


class ActionField(CharterTerm):
    """The platform's controlled vocabulary of action fields (Handlungsfelder)."""

    class Meta(CharterTerm.Meta):
        verbose_name = _("Handlungsfeld")
        verbose_name_plural = _("Handlungsfelder")

    def __str__(self) -> str:
        return self.title


class State(models.Model):
    code = models.CharField(_("Länderschlüssel"), max_length=2, unique=True)
    name = models.CharField(_("Name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Bundesland")
        verbose_name_plural = _("Bundesländer")

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    ags = models.CharField(_("Kreisschlüssel"), max_length=5, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    name_official = models.CharField(_("Amtlicher Name"), max_length=200)
    district_type = models.CharField(_("Kreistyp"), max_length=100)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="districts")

    class Meta:
        ordering = ["ags"]
        verbose_name = _("Kreis")
        verbose_name_plural = _("Kreise")

    def __str__(self) -> str:
        return f"{self.name} ({self.district_type})"


class Urbanisation(models.TextChoices):
    """Degree of urbanisation (DEGURBA) as published by Destatis."""

    CITY = "1", _("dicht besiedelt")
    TOWN = "2", _("mittlere Besiedlungsdichte")
    RURAL = "3", _("gering besiedelt")


class Municipality(models.Model):
    ags = models.CharField(_("Amtlicher Gemeindeschlüssel"), max_length=8, unique=True, validators=[validate_ags])
    name = models.CharField(_("Name"), max_length=200, db_index=True)
    name_official = models.CharField(_("Amtlicher Name"), max_length=200)
    municipality_type = models.CharField(_("Gemeindetyp"), max_length=100, blank=True)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="municipalities")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="municipalities")
    population = models.PositiveIntegerField(_("Einwohner"))
    population_date = models.DateField(_("Stand der Einwohnerzahl"))
    area_km2 = models.DecimalField(_("Fläche (km²)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    lat = models.FloatField(_("Breitengrad"))
    lon = models.FloatField(_("Längengrad"))
    urbanisation = models.CharField(_("Verstädterungsgrad"), max_length=1, choices=Urbanisation.choices)
    postal_code = models.CharField(_("Postleitzahl des Verwaltungssitzes"), max_length=5, blank=True)
    size_class = models.CharField(
        _("Stadt- und Gemeindetyp (BBSR)"),
        max_length=20,
        choices=SizeClass.choices,
        db_index=True,
        editable=False,
        help_text=_("Wird aus der Einwohnerzahl abgeleitet."),
    )

    class Meta:
        ordering = ["name", "ags"]
        verbose_name = _("Gemeinde")
        verbose_name_plural = _("Gemeinden")

    def __str__(self) -> str:
        return f"{self.name} ({self.state.name})" if self.state_id else self.name

    def save(self, *args, **kwargs):
        # Stored (not computed on read) so that lists and facets can filter on it in SQL.
        self.size_class = size_class_for(self.population)
        super().save(*args, **kwargs)

    @property
    def size_class_label(self) -> str:
        return str(SizeClass(self.size_class).label)

    @property
    def size_class_bounds(self) -> str:
        return str(SIZE_CLASS_BOUNDS[SizeClass(self.size_class)])

    @property
    def state_code(self) -> str:
        return self.ags[:2]
