import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(autouse=True)
def _fresh_search_health():
    """search.health caches the page count and the engine's health per process; each test has
    its own database and engines, so it starts without what an earlier test counted."""
    from search import health

    health.forget()
    yield
    health.forget()


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
