import csv
from pathlib import Path

import pytest
from django.conf import settings

from registry.comparability import Profile
from registry.loaders import STATE_NAMES
from registry.size_class import size_class_for


@pytest.fixture(scope="session")
def csv_profiles() -> dict[str, Profile]:
    """Every municipality of the registry file as a Profile, without a database."""
    path = Path(settings.FIXTURES_ROOT) / "municipalities" / "municipalities_extended.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["gemeindefrei"] == "0"]
    return {
        row["ags"]: Profile(
            ags=row["ags"],
            name=row["name"],
            population=int(row["population"]),
            size_class=str(size_class_for(int(row["population"]))),
            urbanisation=str(int(row["urbanisation_code"])),
            state_code=row["state_code"],
            state_name=STATE_NAMES[row["state_code"]],
            district_ags=row["district_ags"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for row in rows
    }
