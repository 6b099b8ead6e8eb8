"""The checks the standing rules ask for, run as part of the suite."""

import io

import pytest
from django.core.management import call_command


def test_system_check_passes():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# The apps from the bottom up; each imports only apps of the layers below it, never one beside it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("registry",),  # reference data: Charta taxonomy, municipalities, vocabularies
    ("cms",),  # the Wagtail site, page types, exchange format, roles
    ("explore",),  # coverage page, "Meine Kommune" and its ranking from the database
    ("search",),  # documents, facets, engines, sync, the search page
    ("api", "opendata", "syndication"),  # the read API, open data and DCAT, feeds and alerts
    ("operations",),  # `manage.py maintenance`: drives the layers below (alerts among them)
)


def test_layers_import_only_downward():
    """Every first-party import points to a lower layer (``LAYERS``); a new top-level package
    must be placed in it, or this test fails."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    level = {package: index for index, layer in enumerate(LAYERS) for package in layer}
    packages = {p.parent.name for p in root.glob("*/apps.py")} | {p.parent.name for p in root.glob("*/*/apps.py")}
    unplaced = sorted(name for name in packages if name not in level and (root / name / "__init__.py").exists())
    assert unplaced == [], f"packages not in LAYERS: {unplaced}"
    offenders = []
    for package, own in level.items():
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    target = name.split(".")[0]
                    if target in level and target != package and level[target] >= own:
                        offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []


def test_numbers_in_template_urls_are_not_localized():
    """German number formatting turns a primary key 1817 into "1.817"; inside a URL that is
    another (or no) page. Keys in href/src/action must go through ``|unlocalize``."""
    import re
    from pathlib import Path

    from django.conf import settings

    attribute = re.compile(r'(?:href|src|action)="[^"]*\{\{\s*[\w.]+\.(?:pk|id)\s*\}\}[^"]*"')
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)[:80]}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for match in attribute.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
