import csv
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from registry.loaders import data_attribution, load_municipalities, load_taxonomy
from registry.models import (
    ActionField,
    ActorGroup,
    District,
    Guideline,
    LeitbildAttribute,
    Municipality,
    Recommendation,
)
from registry.size_class import SizeClass, size_class_for
from registry.taxonomy import expand_guideline_codes
from registry.validators import validate_ags

CSV = Path(settings.FIXTURES_ROOT) / "municipalities" / "municipalities_extended.csv"


def expected_size_classes() -> Counter:
    """Counted straight from the data file with the BBSR thresholds, independent of the loader."""
    counts: Counter = Counter()
    with open(CSV, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["gemeindefrei"] != "0":
                continue
            p = int(row["population"])
            counts[
                "grossstadt"
                if p >= 100_000
                else "mittelstadt"
                if p >= 20_000
                else "kleinstadt"
                if p >= 5_000
                else "landgemeinde"
            ] += 1
    return counts


@pytest.mark.parametrize(
    "population,expected",
    [
        (0, "landgemeinde"),
        (4_999, "landgemeinde"),
        (5_000, "kleinstadt"),
        (19_999, "kleinstadt"),
        (20_000, "mittelstadt"),
        (99_999, "mittelstadt"),
        (100_000, "grossstadt"),
        (3_700_000, "grossstadt"),
    ],
)
def test_size_class_thresholds(population, expected):
    assert size_class_for(population) == SizeClass(expected)


@pytest.mark.parametrize("value", ["09162000", "16061119", "01001000"])
def test_valid_ags(value):
    validate_ags(value)


@pytest.mark.parametrize("value", ["9162000", "091620001", "17000000", "00123456", "0916200a", ""])
def test_invalid_ags_has_german_message(value):
    with pytest.raises(ValidationError) as exc:
        validate_ags(value)
    assert "Amtlicher Gemeindeschlüssel" in exc.value.messages[0]


@pytest.mark.django_db
def test_load_all_municipalities_counts_per_size_class_and_is_idempotent():
    first = load_municipalities()
    assert first.created == 10_752
    assert Municipality.objects.count() == 10_752
    assert District.objects.count() == 400
    counts = Counter(Municipality.objects.values_list("size_class", flat=True))
    assert counts == expected_size_classes()
    assert counts["grossstadt"] == 83
    assert sum(counts.values()) == 10_752

    second = load_municipalities()
    assert second.created == 0 and second.updated == 10_752
    assert Municipality.objects.count() == 10_752

    munich = Municipality.objects.get(ags="09162000")
    assert (munich.name, munich.state.name, munich.size_class, munich.urbanisation) == (
        "München",
        "Bayern",
        "grossstadt",
        "1",
    )
    assert munich.district.ags == "09162"
    assert 48.0 < munich.lat < 48.3 and 11.4 < munich.lon < 11.7


@pytest.mark.django_db
def test_municipality_model_rejects_bad_ags(municipalities):
    m = municipalities["09162000"]
    m.ags = "1234"
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "ags" in exc.value.message_dict


@pytest.mark.django_db
def test_taxonomy_is_complete_and_keeps_editor_changes():
    load_taxonomy()
    assert Guideline.objects.filter(parent=None).count() == 4
    assert list(Guideline.objects.filter(parent__isnull=False).values_list("code", flat=True)) == [
        "1.1",
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
    ]
    assert LeitbildAttribute.objects.count() == 8
    assert list(Recommendation.objects.values_list("code", flat=True)) == list("abcdefghijkl")
    assert ActorGroup.objects.count() == 6
    assert ActionField.objects.count() == 12
    assert Guideline.objects.get(code="2.3").title == "Mitgestaltung fördern"
    for model in (Guideline, LeitbildAttribute, Recommendation, ActorGroup, ActionField):
        assert not model.objects.filter(description="").exists(), f"{model.__name__} without description"

    term = Guideline.objects.get(code="2.3")
    term.description = "Von der Redaktion überarbeitet."
    term.save()
    load_taxonomy()
    assert Guideline.objects.get(code="2.3").description == "Von der Redaktion überarbeitet."
    load_taxonomy(overwrite=True)
    assert Guideline.objects.get(code="2.3").description != "Von der Redaktion überarbeitet."


def test_guideline_codes_expand_to_their_parent():
    assert expand_guideline_codes(["2.3", "2.1", "4.3"]) == ["2", "2.1", "2.3", "4", "4.3"]


def test_attribution_text_comes_from_source_md():
    text = data_attribution()
    assert text.startswith("Datenquelle: Statistisches Bundesamt (Destatis)")
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in text
