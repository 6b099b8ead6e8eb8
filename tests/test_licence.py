"""The content licence: one setting, shown in the footer, refused at start when unknown."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cms.core.licence import LICENCES, check_content_licence, content_licence

pytestmark = pytest.mark.django_db


def test_footer_names_the_content_licence_and_the_registry_licence(client, site):
    html = client.get("/").content.decode()
    assert 'href="https://creativecommons.org/licenses/by/4.0/deed.de" rel="license">CC BY 4.0</a>' in html
    assert "https://www.govdata.de/dl-de/by-2-0" in html


def test_the_operator_chooses_another_licence(client, site, settings):
    settings.CONTENT_LICENCE = "cc0-1.0"
    assert content_licence() is LICENCES["cc0-1.0"]
    html = client.get("/").content.decode()
    assert 'rel="license">CC0 1.0</a>' in html and "CC BY 4.0" not in html


def test_an_unknown_licence_is_a_system_check_error(settings):
    settings.CONTENT_LICENCE = "cc-by-5.0"
    assert [e.id for e in check_content_licence()] == ["core.E001"]
    with pytest.raises(ImproperlyConfigured):
        content_licence()
    settings.CONTENT_LICENCE = "cc-by-4.0"
    assert check_content_licence() == []
