import pytest

from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine


@pytest.fixture(scope="module")
def demo_engine(demo_documents, tmp_path_factory):
    engine = EmbeddedEngine(path=tmp_path_factory.mktemp("map-index"))
    engine.rebuild(demo_documents)
    return engine


@pytest.fixture
def demo_places(db, demo_documents):
    """The registry entries of the demo municipalities (the demo database itself was rolled back)."""
    from tests import factories

    ags = sorted({a for doc in demo_documents for a in doc["municipality_ags"]})
    return factories.sample_municipalities(ags)


@pytest.fixture
def engine(demo_engine, taxonomy, demo_places):
    from search.facets import clear_label_cache

    clear_label_cache()
    reset_engine(demo_engine)
    yield demo_engine
    reset_engine(None)
