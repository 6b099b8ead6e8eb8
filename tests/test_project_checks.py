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


def test_layers_import_only_downward():
    """registry must not import cms or search; cms must not import search; nothing imports operations (the top)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    rules = {"registry": ("cms", "search", "operations"), "cms": ("search", "operations"), "search": ("operations",)}
    offenders = []
    for package, forbidden in rules.items():
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in forbidden]
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
