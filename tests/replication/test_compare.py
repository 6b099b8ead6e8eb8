"""Projects side by side: /nachnutzen/vergleich/?p=<id>&p=<id>."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("replication:compare")


def compare(client, *ids, expect=200):
    query = "&".join(f"p={i}" for i in ids)
    response = client.get(f"{URL}?{query}" if query else URL)
    assert response.status_code == expect, response.content.decode()[:2000]
    return BeautifulSoup(response.content, "html.parser")


def table(soup) -> dict[str, list[str]]:
    """Row header -> the cells' texts, one per project column."""
    rows = {}
    for tr in soup.select("table.compare-table tbody tr"):
        header = tr.find("th", scope="row")
        key = header.find(string=True, recursive=False).strip()
        rows[key] = [td.get_text(" | ", strip=True) for td in tr.find_all("td")]
    return rows


def columns(soup) -> list[str]:
    return [th.get_text(strip=True) for th in soup.select("table.compare-table thead th[scope=col]")][1:]


def test_two_projects_side_by_side(client, content):
    laternen, muenchen = content["laternen"], content["muenchen"]
    soup = compare(client, laternen.pk, muenchen.pk)
    assert columns(soup) == ["Fernwartung der Straßenbeleuchtung", "Laternen-Monitoring in der Großstadt"]
    heads = soup.select("table.compare-table thead th[scope=col] a")
    assert [a["href"] for a in heads] == [laternen.url, muenchen.url]
    assert soup.select_one("table.compare-table caption").get_text() == "Vergleich von 2 Projekten"
    assert soup.select_one(".table-wrap[role=region][tabindex='0']") is not None

    rows = table(soup)
    assert rows["Kommune und Gemeindetyp"] == [
        "Bad Endorf (Bayern) | Kleinstadt, 8.452 Einwohner | Partner: Boppard",
        "München (Bayern) | Großstadt, 1.510.378 Einwohner",
    ]
    assert rows["Status"] == ["Regelbetrieb", "Pilotbetrieb"]
    assert rows["Laufzeit"] == ["01.04.2021 – 31.03.2023 (24 Monate)", "01.01.2022 – 31.12.2022 (12 Monate)"]
    assert rows["Gesamtbudget"] == ["180.000 €", "2.500.000 €"]
    assert rows["Fördermittel"] == [
        "120.000 € (67 % des Budgets) | Förderprogramm: Kommunalrichtlinie",
        "1.000.000 € (40 % des Budgets) | Förderprogramm: Modellprojekte Smart Cities",
    ]
    assert rows["Laufende Kosten nach der Förderung"] == ["4.500,50 € pro Jahr", "80.000 € pro Jahr"]
    assert rows["Personalaufwand"] == ["6,5 Personenmonate", "36 Personenmonate"]
    assert rows["Charta-Leitlinien"][0].startswith("1.2 ") and " | 3.3 " in rows["Charta-Leitlinien"][0]
    assert rows["Evaluationsindikatoren"] == ["Stromverbrauch: 310 → 200 → 183 MWh/a", "keine Angabe"]
    assert rows["Zielerreichung"][0].startswith("Ziele erreicht | Evaluation der Fernwartung, 30.06.2023")
    assert rows["Zielerreichung"][1] == "keine Angabe"
    assert rows["Nachnutzbarkeit: Voraussetzungen"] == [
        "Ein LoRaWAN-Gateway und ein Elektrobetrieb mit Erfahrung in Steuerknoten.",
        "Ein eigenes Rechenzentrum.",
    ]
    assert rows["Erfahrungen und Lehren"][1] == "Früh mit dem Personalrat sprechen."

    for th in soup.select("table.compare-table tbody th"):
        assert th["scope"] == "row"
    removes = [a["href"] for a in soup.select("a.compare-remove")]
    assert removes == [f"{URL}?p={muenchen.pk}", f"{URL}?p={laternen.pk}"]
    assert "Ausgewählt: 2 von höchstens 4 Projekten" in soup.get_text(" ", strip=True)
    assert client.session["vergleich"] == [laternen.pk, muenchen.pk]
    assert "erika.beispiel@example.org" not in str(soup)


def test_three_projects(client, content):
    ids = [content["buxtehude"].pk, content["laternen"].pk, content["muenchen"].pk]
    soup = compare(client, *ids)
    assert columns(soup) == [
        "Smarte Laternen an der Este",
        "Fernwartung der Straßenbeleuchtung",
        "Laternen-Monitoring in der Großstadt",
    ]
    rows = table(soup)
    assert rows["Kommune und Gemeindetyp"][0] == "Buxtehude (Niedersachsen) | Mittelstadt, 41.256 Einwohner"
    assert rows["Status"] == ["In Planung", "Regelbetrieb", "Pilotbetrieb"]
    assert rows["Laufzeit"][0] == "seit 01.05.2024"
    assert rows["Fördermittel"][0] == "keine Angabe"
    assert rows["Laufende Kosten nach der Förderung"][0] == "keine Angabe"
    assert rows["Personalaufwand"] == ["3 Personenmonate", "6,5 Personenmonate", "36 Personenmonate"]
    assert rows["Charta-Leitlinien"][0].startswith("3.3 ")
    assert rows["Nachnutzbarkeit: Voraussetzungen"][0] == "keine Angabe"
    # Removing the middle project keeps the others in order.
    assert [a["href"] for a in soup.select("a.compare-remove")][1] == f"{URL}?p={ids[0]}&p={ids[2]}"
    assert client.session["vergleich"] == ids


def test_duplicates_are_ignored(client, content):
    a, b = content["laternen"].pk, content["muenchen"].pk
    soup = compare(client, a, b, a, b)
    assert len(columns(soup)) == 2
    assert client.session["vergleich"] == [a, b]


def test_one_project_is_the_first_step_and_kept_in_the_session(client, content):
    soup = compare(client, content["laternen"].pk)  # 200: adding the first project is no error
    assert soup.select_one("[role=alert]") is None
    notice = soup.select_one("[role=status]").get_text(" ", strip=True)
    assert "mindestens zwei Projekte" in notice
    assert soup.select_one("table") is None
    assert "Fernwartung der Straßenbeleuchtung" in soup.select_one(".compare-selection").get_text()
    assert soup.find("a", string="Projekte suchen und weitere hinzufügen")["href"] == reverse("search")
    assert client.session["vergleich"] == [content["laternen"].pk]


def test_more_than_four_is_too_many_and_keeps_the_previous_selection(client, content):
    from cms.projects.models import ProjectPage

    a, b, c = content["laternen"].pk, content["muenchen"].pk, content["buxtehude"].pk
    compare(client, a, b)
    template = ProjectPage.objects.get(pk=b)
    extra = [
        template.copy(update_attrs={"slug": f"kopie-{n}", "title": f"Kopie {n}", "external_id": None}).pk
        for n in range(2)
    ]
    assert ProjectPage.objects.live().filter(pk__in=extra).count() == 2

    soup = compare(client, a, b, c, *extra, expect=400)
    alert = soup.select_one("[role=alert]").get_text(" ", strip=True)
    assert "höchstens 4 Projekte" in alert and "ausgewählt sind 5" in alert
    assert soup.select_one("table") is None
    assert len(soup.select(".compare-selection a.compare-remove")) == 5
    assert soup.find("a", string="Zurück zum letzten Vergleich")["href"] == f"{URL}?p={a}&p={b}"
    assert client.session["vergleich"] == [a, b]


def test_unknown_or_malformed_ids_are_a_400(client, content):
    a, b = content["laternen"].pk, content["muenchen"].pk
    soup = compare(client, a, 999999, expect=400)
    alert = soup.select_one("[role=alert]").get_text(" ", strip=True)
    assert "Projekt mit der Kennung 999999 gibt es nicht" in alert
    assert client.session["vergleich"] == [a]

    soup = compare(client, a, b, "abc", expect=400)
    assert "Kennung abc" in soup.select_one("[role=alert]").get_text()
    assert client.session["vergleich"] == [a, b]  # the valid part of the selection is kept

    content["muenchen"].unpublish()
    soup = compare(client, a, b, expect=400)
    assert f"Kennung {b}" in soup.select_one("[role=alert]").get_text()


def test_no_selection(client, content):
    soup = compare(client)
    assert "Wählen Sie zwei bis 4 Projekte aus" in soup.get_text(" ", strip=True)
    assert soup.select_one("[role=alert]") is None

    # With a selection in the session, the bare address shows it (and the URL holds it again).
    a, b = content["laternen"].pk, content["muenchen"].pk
    compare(client, a, b)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"{URL}?p={a}&p={b}"
