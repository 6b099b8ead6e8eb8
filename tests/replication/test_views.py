"""The checklist page, its Markdown download, the project page's links, and the error cases."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms.projects.models import ProjectPage

pytestmark = pytest.mark.django_db

ADDRESSES = ("erika.beispiel@example.org", "max.muster@example.org")


def checklist_url(project, **query) -> str:
    url = reverse("replication:checklist", args=[project.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def markdown_url(project, **query) -> str:
    url = reverse("replication:checklist_markdown", args=[project.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def assert_no_address(text: str) -> None:
    for address in ADDRESSES:
        assert address not in text
    assert "mailto:" not in text


def test_checklist_page(client, project):
    response = client.get(checklist_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.get_text().startswith("Nachnutzen: Fernwartung der Straßenbeleuchtung")
    assert "Nachnutzen: Fernwartung der Straßenbeleuchtung" in soup.h1.get_text()
    assert len(soup.find_all("h1")) == 1

    boxes = soup.select('.checklist input[type="checkbox"]')
    assert len(boxes) >= 10
    for box in boxes:
        label = soup.find("label", attrs={"for": box["id"]})
        assert label is not None and label.get_text(strip=True), box["id"]
        assert soup.find(id=box["aria-describedby"]) is not None
    assert len({box["id"] for box in boxes}) == len(boxes)

    labels = [label.get_text(" ", strip=True) for label in soup.select(".checklist label")]
    assert any(text.startswith("Bestand erfassen") for text in labels)
    assert not any(text.startswith("Datenschutz prüfen") for text in labels)
    assert [h.get_text() for h in soup.select(".checklist-phase h3")][0] == "Phase: Vorbereitung"

    # Why: the reason names the checklist and the code.
    label = next(label for label in soup.select(".checklist label") if "Bestand erfassen" in label.get_text())
    reason = label.find_parent("li").select_one(".item-reason")
    assert "Checkliste Laternen" in reason.get_text() and "3.3" in reason.get_text()

    assert soup.find("a", string="Als Markdown herunterladen")["href"] == markdown_url(project)
    assert soup.find("button", string="Drucken") is not None
    assert soup.select_one("[data-storage-key]")["data-storage-key"] == f"nachnutzen:{project.pk}"
    assert 'href="/static/css/replication.css"' in html and "js/checklist.js" in html
    assert any(a["href"] == project.url + "#kontakt" for a in soup.find_all("a", href=True))
    assert_no_address(html)


def test_markdown_download(client, project):
    response = client.get(markdown_url(project))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".md" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("# Nachnutzen: Fernwartung der Straßenbeleuchtung\n")
    lines = text.splitlines()
    assert "## Phase: Vorbereitung" in lines and "## Phase: Betrieb" in lines
    assert lines.index("## Phase: Vorbereitung") < lines.index("## Phase: Planung") < lines.index("## Phase: Betrieb")
    assert "- [ ] Bestand erfassen" in lines
    assert "- [ ] Personal einplanen: ca. 6,5 Personenmonate" in lines
    assert "- [ ] Laufende Kosten nach der Förderung: 4.500,50 € pro Jahr einplanen" in lines
    assert not any("Datenschutz prüfen" in line for line in lines)
    assert "  _Aus Checkliste „Checkliste Laternen“, passend zu Charta-Leitlinie 3.3; " in text
    assert "- **Gesamtbudget:** 180.000 €" in lines
    assert "#kontakt>" in text and "http://testserver/" in text
    assert "https://gitlab.opencode.de/beispiel/laternen" in text
    assert_no_address(text)


def test_visitor_from_the_url(client, project):
    html = client.get(checklist_url(project, kommune="12073069")).content.decode()
    assert "Was in Boitzenburger Land anders ist" in html
    assert "Bad Endorf ist eine Kleinstadt, Ihre Kommune eine Landgemeinde: Aufwand und Kosten skalieren." in html
    assert f'href="{markdown_url(project, kommune="12073069")}"' in html
    text = client.get(markdown_url(project, kommune="12073069")).content.decode()
    assert "## Unterschiede zu Ihrer Kommune (Boitzenburger Land)" in text


def test_visitor_from_the_session(client, project):
    session = client.session
    session["kommune"] = "12073069"
    session.save()
    assert "Was in Boitzenburger Land anders ist" in client.get(checklist_url(project)).content.decode()
    # An empty parameter shows the checklist without the visitor's municipality.
    assert "Was in Boitzenburger Land anders ist" not in client.get(checklist_url(project, kommune="")).content.decode()
    # A stale session value is ignored, not refused.
    session["kommune"] = "99999999"
    session.save()
    assert client.get(checklist_url(project)).status_code == 200


@pytest.mark.parametrize(
    "value, message",
    [
        ("1207306", "kein gültiger Amtlicher Gemeindeschlüssel"),
        ("abc", "kein gültiger"),
        ("99999999", "keine Gemeinde"),
    ],
)
def test_invalid_kommune_is_a_400_with_a_german_message(client, project, value, message):
    for url in (checklist_url(project, kommune=value), markdown_url(project, kommune=value)):
        response = client.get(url)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert f'href="{checklist_url(project)}?kommune="' in html


def test_unknown_and_unpublished_projects_are_404(client, project):
    assert client.get(reverse("replication:checklist", args=[999999])).status_code == 404
    assert client.get(reverse("replication:checklist_markdown", args=[999999])).status_code == 404
    municipality_page = project.get_parent()
    assert client.get(reverse("replication:checklist", args=[municipality_page.pk])).status_code == 404

    other = ProjectPage.objects.get(external_id="projekt-test-muenchen")
    PageViewRestriction.objects.create(page=other, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(checklist_url(other)).status_code == 404

    project.unpublish()
    assert client.get(checklist_url(project)).status_code == 404
    assert client.get(markdown_url(project)).status_code == 404


def test_post_is_not_allowed(client, project):
    assert client.post(checklist_url(project)).status_code == 405


def test_project_page_links_to_checklist_and_comparison(client, content):
    project, other = content["laternen"], content["muenchen"]
    soup = BeautifulSoup(client.get(project.url).content, "html.parser")
    checklist_link = soup.find("a", string="Nachnutzen: Checkliste für Ihre Kommune")
    assert checklist_link["href"] == checklist_url(project)
    add = soup.find("a", string="Zum Vergleich hinzufügen")
    assert add["href"] == f"/nachnutzen/vergleich/?p={project.pk}"

    # Adding the first project keeps it in the session; the next project page adds to it.
    client.get(add["href"])
    soup = BeautifulSoup(client.get(other.url).content, "html.parser")
    add = soup.find("a", string="Zum Vergleich hinzufügen")
    assert add["href"] == f"/nachnutzen/vergleich/?p={project.pk}&p={other.pk}"
    assert "Ihre Auswahl zum Vergleich: 1 von 4 Projekten" in soup.get_text(" ", strip=True)

    # On a project already chosen, the link shows the comparison instead.
    client.get(add["href"])
    soup = BeautifulSoup(client.get(project.url).content, "html.parser")
    assert soup.find("a", string="Zum Vergleich hinzufügen") is None
    view = soup.find("a", string="Im Vergleich: Vergleich ansehen")
    assert view["href"] == f"/nachnutzen/vergleich/?p={project.pk}&p={other.pk}"


def test_project_page_takes_the_selection_from_its_url(client, content):
    project, other, third = content["laternen"], content["muenchen"], content["buxtehude"]
    soup = BeautifulSoup(client.get(f"{third.url}?p={project.pk}&p={other.pk}").content, "html.parser")
    add = soup.find("a", string="Zum Vergleich hinzufügen")
    assert add["href"] == f"/nachnutzen/vergleich/?p={project.pk}&p={other.pk}&p={third.pk}"


def test_compare_link_for_search_results(client, rf, content):
    from django.template import Context, Template

    project, other = content["laternen"], content["muenchen"]
    client.get(f"/nachnutzen/vergleich/?p={project.pk}")
    request = rf.get("/suche/")
    request.session = client.session
    template = Template(
        '{% include "replication/includes/compare_link.html" with project_id=result.id project_title=result.title %}'
    )
    html = template.render(Context({"request": request, "result": {"id": str(other.pk), "title": other.title}}))
    soup = BeautifulSoup(html, "html.parser")
    link = soup.find("a")
    assert link["href"] == f"/nachnutzen/vergleich/?p={project.pk}&p={other.pk}"
    assert link.get_text() == f"Zum Vergleich hinzufügen: {other.title}"
    html = template.render(Context({"request": request, "result": {"id": str(project.pk), "title": project.title}}))
    assert "Zum Vergleich vorgemerkt" in html


def test_project_actions_skip_an_unsaved_page(rf, db):
    from django.template import Context, Template

    request = rf.get("/")
    html = Template('{% include "replication/includes/project_actions.html" %}').render(
        Context({"request": request, "page": ProjectPage(title="Neu")})
    )
    assert html.strip() == ""
