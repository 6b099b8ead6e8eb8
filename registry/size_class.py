"""BBSR city and municipality types (Stadt- und Gemeindetypen) by population.

The BBSR classifies by population of the municipality; we use the four main classes,
which is what a small town means when it asks for "places like mine".
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SizeClass(models.TextChoices):
    GROSSSTADT = "grossstadt", _("Großstadt")
    MITTELSTADT = "mittelstadt", _("Mittelstadt")
    KLEINSTADT = "kleinstadt", _("Kleinstadt")
    LANDGEMEINDE = "landgemeinde", _("Landgemeinde")


SIZE_CLASS_BOUNDS: dict[str, str] = {
    SizeClass.GROSSSTADT: _("ab 100.000 Einwohner"),
    SizeClass.MITTELSTADT: _("20.000 bis 99.999 Einwohner"),
    SizeClass.KLEINSTADT: _("5.000 bis 19.999 Einwohner"),
    SizeClass.LANDGEMEINDE: _("unter 5.000 Einwohner"),
}


def size_class_for(population: int) -> SizeClass:
    if population < 0:
        raise ValueError("population must not be negative")
    if population >= 100_000:
        return SizeClass.GROSSSTADT
    if population >= 20_000:
        return SizeClass.MITTELSTADT
    if population >= 5_000:
        return SizeClass.KLEINSTADT
    return SizeClass.LANDGEMEINDE
