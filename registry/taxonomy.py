"""Read-only helpers about the Charta taxonomy."""

from __future__ import annotations

import json
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def charta_citation() -> str:
    path = settings.FIXTURES_ROOT / "charta" / "taxonomy.json"
    return json.loads(path.read_text(encoding="utf-8"))["citation"]


def expand_guideline_codes(codes: list[str]) -> list[str]:
    """A sub-guideline also counts under its main guideline: ``2.3`` → ``2``, ``2.3``."""
    expanded: set[str] = set()
    for code in codes:
        expanded.add(code)
        expanded.add(code.split(".")[0])
    return sorted(expanded)
