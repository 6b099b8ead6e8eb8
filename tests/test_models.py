from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from cms.core.site_setup import section
from cms.projects.models import EvaluationReportPage, Indicator, MunicipalityPage, ProjectPage
from tests.pdfgen import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality_page(site, municipalities):
    page = MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
    section("kommunen").add_child(instance=page)
    return page


def project(**fields) -> ProjectPage:
    return ProjectPage(title="Dorf-App", summary="Eine App für das Dorf.", **fields)


@pytest.mark.parametrize(
    "fields,field,fragment",
    [
        ({"start_date": date(2024, 5, 1), "end_date": date(2024, 4, 30)}, "end_date", "nicht vor dem Beginn"),
        ({"budget_eur": Decimal("-1")}, "budget_eur", "nicht negativ"),
        ({"running_costs_eur_per_year": Decimal("-10")}, "running_costs_eur_per_year", "nicht negativ"),
        ({"staff_effort_person_months": Decimal("-0.5")}, "staff_effort_person_months", "nicht negativ"),
        (
            {"budget_eur": Decimal("100"), "funding_eur": Decimal("200"), "funding_programme": "X"},
            "funding_eur",
            "übersteigen",
        ),
        ({"funding_eur": Decimal("200")}, "funding_programme", "Förderprogramm"),
        ({"open_source_license": "MIT"}, "repository_url", "Quellcode"),
        ({"repository_url": "nicht-eine-url"}, "repository_url", "gültige Adresse"),
        ({"contact_email": "kaputt@"}, "contact_email", "E-Mail-Adresse"),
    ],
)
def test_project_validation_messages_are_german(municipality_page, fields, field, fragment):
    page = project(**fields)
    with pytest.raises(ValidationError) as exc:
        municipality_page.add_child(instance=page)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert any(fragment in m for m in exc.value.message_dict[field]), exc.value.message_dict[field]
    assert not ProjectPage.objects.exists()


def test_project_takes_its_lead_municipality_from_the_parent(municipality_page):
    page = project(start_date=date(2024, 1, 1), end_date=date(2024, 1, 1))
    municipality_page.add_child(instance=page)
    assert page.lead_municipality.ags == "09187128"
    assert page.external_id.startswith("projectpage-")  # every page gets an exchange id


def test_report_extracts_pdf_text_for_search(municipality_page):
    parent = project()
    municipality_page.add_child(instance=parent)
    document = Document(title="Evaluation")
    document.file.save("evaluation.pdf", ContentFile(make_pdf(["Die Quartiersgarage wurde kaum genutzt."])), save=False)
    document.save()
    report = EvaluationReportPage(
        title="Evaluation",
        report_date=date(2025, 1, 1),
        author_organisation="Hochschule",
        findings="<p>x</p>",
        pdf=document,
    )
    parent.add_child(instance=report)
    assert "Quartiersgarage" in EvaluationReportPage.objects.get().pdf_text
    from wagtail.models import Page

    assert report.pk in [p.pk for p in Page.objects.live().search("Quartiersgarage")]


@pytest.mark.parametrize(
    "baseline,target,measured,expected",
    [(10, 20, 25, True), (10, 20, 15, False), (310, 200, 183, True), (310, 200, 250, False), (None, 5, None, None)],
)
def test_indicator_attainment_follows_direction(baseline, target, measured, expected):
    to_dec = lambda v: None if v is None else Decimal(v)  # noqa: E731
    indicator = Indicator(name="x", baseline=to_dec(baseline), target=to_dec(target), measured=to_dec(measured))
    assert indicator.attained is expected


def test_german_slugs_stay_readable():
    from cms.core.text import german_slug

    assert german_slug("Fernwartung der Straßenbeleuchtung") == "fernwartung-der-strassenbeleuchtung"
    assert german_slug("Bürgerbus für Ältere in Haßfurt") == "buergerbus-fuer-aeltere-in-hassfurt"
