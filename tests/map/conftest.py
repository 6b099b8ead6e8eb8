import pytest
from django.core.management import call_command
from django.db import transaction

from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine


@pytest.fixture(scope="session")
def map_demo_documents(django_db_setup, django_db_blocker) -> list[dict]:
    """Index documents of the full demo content, built once; the database is rolled back after.

    The same as tests/search/conftest.py's ``demo_documents``, which is not visible from here.
    """
    from search.documents import all_documents

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("setup_demo", verbosity=0)
            documents = list(all_documents())
            transaction.set_rollback(True)
    assert len(documents) >= 100
    return documents


@pytest.fixture(scope="module")
def demo_engine(map_demo_documents, tmp_path_factory):
    engine = EmbeddedEngine(path=tmp_path_factory.mktemp("map-index"))
    engine.rebuild(map_demo_documents)
    return engine


@pytest.fixture
def demo_places(db, map_demo_documents):
    """The registry entries of the demo municipalities (the demo database itself was rolled back)."""
    from tests import factories

    ags = sorted({a for doc in map_demo_documents for a in doc["municipality_ags"]})
    return factories.sample_municipalities(ags)


@pytest.fixture
def engine(demo_engine, taxonomy, demo_places):
    from search.facets import clear_label_cache

    clear_label_cache()
    reset_engine(demo_engine)
    yield demo_engine
    reset_engine(None)
