import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

# Fixtures through which a test reaches the test database (directly or through other fixtures).
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def uses_database(item: pytest.Item) -> bool:
    from django.test import TransactionTestCase  # Django's TestCase classes, the admin tests among them

    cls = getattr(item, "cls", None)
    return (
        (cls is not None and issubclass(cls, TransactionTestCase))
        or item.get_closest_marker("django_db") is not None
        or bool(DATABASE_FIXTURES & set(item.fixturenames))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against PostgreSQL, run only the tests that use the database.

    `make test` runs the suite on SQLite and, beside it, on PostgreSQL (``DATABASE_URL``). A test
    that never touches the test database (the engines on their own, settings loaded in a
    subprocess, `make serve` and the benchmark on throwaway SQLite files of their own) would only
    repeat the SQLite pass's run, at the cost of minutes; it is deselected there.
    """
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        if os.environ.get("POSTGRES_PASS_RUNS") == "1":
            # The PostgreSQL pass runs beside this one and takes the whole-site walks (``pg_pass``):
            # they run once, against the production database, and the two passes end together.
            walks = [item for item in items if item.get_closest_marker("pg_pass")]
            if walks:
                config.hook.pytest_deselected(items=walks)
                items[:] = [item for item in items if not item.get_closest_marker("pg_pass")]
        return
    deselected = [item for item in items if not uses_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if uses_database(item)]


@pytest.fixture(autouse=True)
def _fresh_search_health():
    """search.health caches the page count and the engine's health per process; each test has
    its own database and engines, so it starts without what an earlier test counted."""
    from search import health

    health.forget()
    yield
    health.forget()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The site's skeleton (home, sections, legal pages), built once per test database.

    Building it publishes seven pages, about a second per test that asked for ``site``; built
    here and committed, every test starts from it and rolls back its own changes, and ``site``
    finds it in place (``ensure_site_structure`` is idempotent). A transactional test empties
    the database when it ends; pytest-django runs those after all others, and ``site`` builds
    the skeleton again for each of them. Reference data stays per test (cheap, and some tests
    want a registry of their own).
    """
    from cms.core.site_setup import ensure_site_structure
    from search.models import IndexTask

    with django_db_blocker.unblock():
        ensure_site_structure()
        # None of its pages is indexed, but their publishing wrote outbox rows; tests count those.
        IndexTask.objects.all().delete()


@pytest.fixture
def taxonomy(db):
    from registry.loaders import load_taxonomy

    load_taxonomy()


@pytest.fixture
def municipalities(db):
    """A handful of real registry entries, one per size class, instead of all 10,752."""
    from tests import factories

    return factories.sample_municipalities()


@pytest.fixture
def site(taxonomy, municipalities):
    from cms.core.site_setup import ensure_site_structure

    return ensure_site_structure()


@pytest.fixture
def exchange_dir(tmp_path):
    from tests.pdfgen import make_pdf

    files = tmp_path / "files"
    files.mkdir()
    (files / "bericht.pdf").write_bytes(
        make_pdf(["Evaluationsbericht", "Die Laternenfernwartung sparte Strom."], title="Bericht")
    )
    from tests.factories import png_bytes

    (files / "foto.png").write_bytes(png_bytes())
    return tmp_path


@pytest.fixture(scope="session")
def demo_documents(django_db_setup, django_db_blocker) -> list[dict]:
    """Index documents of the full demo content, built once per session (search, map and
    comparability tests share them); the database is rolled back after."""
    from search.documents import all_documents

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("setup_demo", verbosity=0)
            documents = list(all_documents())
            transaction.set_rollback(True)
    assert len(documents) >= 100
    return documents
