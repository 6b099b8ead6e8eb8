"""The demo content, loaded through the importer exactly as `make run` does."""

import re

import pytest
from django.core.management import call_command

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage


@pytest.mark.django_db
@pytest.mark.pg_pass
def test_demo_import_creates_the_promised_content_and_every_page_renders(client):
    call_command("setup_demo")
    projects = ProjectPage.objects.live()
    municipalities = MunicipalityPage.objects.live().select_related("municipality")
    assert projects.count() >= 60
    assert municipalities.count() >= 40
    assert len({m.municipality.ags[:2] for m in municipalities}) == 16
    assert {m.municipality.size_class for m in municipalities} == {
        "grossstadt",
        "mittelstadt",
        "kleinstadt",
        "landgemeinde",
    }
    reports = ExperienceReportPage.objects.live().count() + EvaluationReportPage.objects.live().count()
    assert reports >= 30
    evaluations = EvaluationReportPage.objects.live()
    assert sum(1 for e in evaluations if e.indicators.exists()) >= 10
    failures = (
        projects.filter(status="abgebrochen").count() + evaluations.filter(goal_attainment="nicht_erreicht").count()
    )
    assert failures >= 5
    assert GuidePage.objects.live().count() == 3
    assert ChecklistPage.objects.live().count() == 4
    assert ChecklistPage.objects.filter(is_pruefraster=True).count() >= 1
    assert any(e.pdf_text for e in evaluations), "demo PDFs are extracted"

    # Idempotent: running it again changes nothing.
    before = ProjectPage.objects.count()
    call_command("setup_demo")
    assert ProjectPage.objects.count() == before

    pages = [
        *municipalities,
        *projects,
        *ExperienceReportPage.objects.live(),
        *evaluations,
        *GuidePage.objects.live(),
        *ChecklistPage.objects.live(),
    ]
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        html = response.content.decode()
        assert "Beispieldaten" in html, f"{page.url} lacks the demo notice"
        assert re.search(r"<h1[^>]*>", html), page.url
        if isinstance(page, ProjectPage) and page.contact_email:
            assert page.contact_email not in html
