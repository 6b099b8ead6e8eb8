"""Load the reference registries from the files in ``fixtures/``.

Both loaders are idempotent. Municipal data is authoritative and overwritten on every
run; taxonomy terms are created when missing but editors' changes to existing terms are
kept unless ``overwrite`` is set, because the taxonomy is editable in the admin.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import (
    ActionField,
    ActorGroup,
    CharterTerm,
    District,
    Guideline,
    LeitbildAttribute,
    Municipality,
    Recommendation,
    State,
)
from .size_class import size_class_for

STATE_NAMES: dict[str, str] = {
    "01": "Schleswig-Holstein",
    "02": "Hamburg",
    "03": "Niedersachsen",
    "04": "Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}


def fixtures_dir() -> Path:
    return Path(settings.FIXTURES_ROOT)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0

    def __str__(self) -> str:
        return f"{self.created} neu, {self.updated} aktualisiert"


def _upsert_term(model: type[CharterTerm], data: dict, order: int, overwrite: bool, **extra) -> bool:
    defaults = {
        "title": data["title"],
        "scope": data.get("scope", ""),
        "description": data.get("description", ""),
        "sort_order": order,
        **extra,
    }
    obj = model.objects.filter(code=data["code"]).first()
    if obj is None:
        model.objects.create(code=data["code"], **defaults)
        return True
    if overwrite:
        for key, value in defaults.items():
            setattr(obj, key, value)
        obj.save()
    return False


@transaction.atomic
def load_taxonomy(path: Path | None = None, overwrite: bool = False) -> LoadResult:
    path = path or fixtures_dir() / "charta" / "taxonomy.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    result = LoadResult()

    def count(created: bool) -> None:
        if created:
            result.created += 1
        else:
            result.updated += int(overwrite)

    order = 0
    for guideline in data["guidelines"]:
        order += 1
        count(_upsert_term(Guideline, guideline, order, overwrite, parent=None))
        parent = Guideline.objects.get(code=guideline["code"])
        for child in guideline.get("children", []):
            order += 1
            count(_upsert_term(Guideline, child, order, overwrite, parent=parent))
    for model, key in (
        (LeitbildAttribute, "leitbild"),
        (Recommendation, "recommendations"),
        (ActorGroup, "actors"),
        (ActionField, "action_fields"),
    ):
        for i, term in enumerate(data.get(key, []), start=1):
            count(_upsert_term(model, term, i, overwrite))
    return result


@transaction.atomic
def load_municipalities(directory: Path | None = None) -> LoadResult:
    """Upsert all states, districts and political municipalities (unincorporated areas skipped)."""
    directory = directory or fixtures_dir() / "municipalities"
    before = Municipality.objects.count()

    states = [State(code=code, name=name) for code, name in STATE_NAMES.items()]
    State.objects.bulk_create(states, update_conflicts=True, unique_fields=["code"], update_fields=["name"])
    state_ids = dict(State.objects.values_list("code", "id"))

    with open(directory / "districts.csv", encoding="utf-8", newline="") as fh:
        districts = [
            District(
                ags=row["district_ags"],
                name=row["name"],
                name_official=row["name_official"],
                district_type=row["type"],
                state_id=state_ids[row["district_ags"][:2]],
            )
            for row in csv.DictReader(fh)
        ]
    District.objects.bulk_create(
        districts,
        update_conflicts=True,
        unique_fields=["ags"],
        update_fields=["name", "name_official", "district_type", "state"],
        batch_size=500,
    )
    district_ids = dict(District.objects.values_list("ags", "id"))

    municipalities = []
    with open(directory / "municipalities_extended.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["gemeindefrei"] != "0":
                continue
            population = int(row["population"])
            municipalities.append(
                Municipality(
                    ags=row["ags"],
                    name=row["name"],
                    name_official=row["name_official"],
                    municipality_type=row["type"],
                    state_id=state_ids[row["state_code"]],
                    district_id=district_ids[row["district_ags"]],
                    population=population,
                    population_date=date.fromisoformat(row["population_date"]),
                    area_km2=Decimal(row["area_km2"]),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    urbanisation=str(int(row["urbanisation_code"])),
                    postal_code=row["postal_code"],
                    size_class=size_class_for(population),
                )
            )
    Municipality.objects.bulk_create(
        municipalities,
        update_conflicts=True,
        unique_fields=["ags"],
        update_fields=[
            "name",
            "name_official",
            "municipality_type",
            "state",
            "district",
            "population",
            "population_date",
            "area_km2",
            "lat",
            "lon",
            "urbanisation",
            "postal_code",
            "size_class",
        ],
        batch_size=1000,
    )
    after = Municipality.objects.count()
    return LoadResult(created=after - before, updated=len(municipalities) - (after - before))


def data_attribution() -> str:
    """The attribution text from SOURCE.md, which the licence requires wherever the data is shown."""
    text = (fixtures_dir() / "municipalities" / "SOURCE.md").read_text(encoding="utf-8")
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("### Attribution text"):
            inside = True
            continue
        if inside:
            if line.startswith("> "):
                lines.append(line[2:].strip())
            elif lines:
                break
    return " ".join(lines)
