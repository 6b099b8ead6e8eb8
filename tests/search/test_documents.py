"""What a project's index document holds beyond its texts, and how rich text becomes plain text."""

from __future__ import annotations

import pytest

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from search.documents import _text, all_documents, document_for
from tests.factories import PROJECT, bundle, write_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(site, exchange_dir) -> ProjectPage:
    data = bundle()
    data["municipalities"][0]["projects"][0]["contact"] = {
        "role": "Klimaschutzmanagerin (erika.beispiel@example.org)",
        "name": "Erika Beispiel",
        "email": "erika.beispiel@example.org",
    }
    import_files([write_bundle(exchange_dir, data)])
    return ProjectPage.objects.get(title=PROJECT["title"])


def test_everything_public_about_a_project_is_in_its_extra_text(project):
    doc = document_for(project)
    extra = doc["extra"]
    partner = project.partner_municipalities.get()
    assert partner.name in extra, "partner municipalities"
    assert project.lead_municipality.district.name in extra, "the lead municipality's district"
    assert "Stromverbrauch" in extra, "indicator names of the evaluation report"
    assert "Klimaschutzmanagerin" in extra and "Kommunalrichtlinie" in extra
    assert "@" not in extra and "example.org" not in doc["body"], "never an e-mail address"
    assert "Kommunalrichtlinie" not in doc["body"], "the funding programme is weighted as extra text"
    # The batch builds the same document as the single page does.
    (batched,) = [d for d in all_documents() if d["id"] == doc["id"]]
    assert batched["extra"] == extra


def test_paragraphs_stay_apart_in_the_extracted_text():
    html = "<p>an den übrigen nicht.</p><ul><li>Am wirksamsten</li><li>danach&nbsp;&amp; so</li></ul>x<br>y"
    assert _text(html) == "an den übrigen nicht.\nAm wirksamsten\ndanach & so\nx\ny"
    assert _text("<p>eins</p>", "", None, "<p>zwei</p>") == "eins\nzwei"
