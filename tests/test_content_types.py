"""The kinds of content are defined once (cms/content_types.py); everything else follows."""

from wagtail.models import get_page_models

from cms.content_types import CONTENT_KINDS, KEY_OF_MODEL, LABELS
from cms.core.models import DataSourcesPage, HomePage, SectionIndexPage, StandardPage
from cms.exchange.public import KIND_OF_MODEL
from cms.exchange.tables import KIND_LABELS
from cms.projects.models import MunicipalityPage
from search.documents import BUILDERS, INDEXED_MODELS
from search.facets import FACETS_BY_NAME

# Pages that hold the site together but are not content a visitor searches for.
STRUCTURAL_PAGES = {HomePage, SectionIndexPage, StandardPage, DataSourcesPage, MunicipalityPage}


def test_every_page_type_is_content_or_structure():
    """A new page type must be added to CONTENT_KINDS (or, if it is structure, here)."""
    platform_pages = {model for model in get_page_models() if model._meta.app_label != "wagtailcore"}
    assert platform_pages - STRUCTURAL_PAGES == set(KEY_OF_MODEL)


def test_keys_and_labels_are_unique():
    assert len({kind.key for kind in CONTENT_KINDS}) == len(CONTENT_KINDS)
    assert len({str(kind.label) for kind in CONTENT_KINDS}) == len(CONTENT_KINDS)


def test_search_documents_and_facet_follow_the_definition():
    assert set(BUILDERS) == set(INDEXED_MODELS) == set(KEY_OF_MODEL)
    assert FACETS_BY_NAME["content_type"].labels() == {key: str(label) for key, label in LABELS.items()}


def test_open_data_tables_follow_the_definition():
    assert KIND_OF_MODEL == KEY_OF_MODEL
    assert {key: KIND_LABELS[key] for key in LABELS} == LABELS
