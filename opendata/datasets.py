"""The downloadable datasets: one table, read by the downloads, the page /daten/ and the DCAT catalogue.

Each dataset is offered in its formats at ``/daten/<slug>.<format>`` (URL name ``download``,
kwargs ``slug`` and ``fmt``); the page explaining them is ``/daten/`` (URL name ``open_data``).
Adding a dataset or a format here adds it to the page, the catalogue and the URL patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Format:
    code: str
    label: str
    media_type: str
    # The EU file-type authority table, which DCAT-AP(.de) expects in dct:format.
    file_type_uri: str


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format("json", "JSON", "application/json", "http://publications.europa.eu/resource/authority/file-type/JSON"),
        Format("csv", "CSV", "text/csv", "http://publications.europa.eu/resource/authority/file-type/CSV"),
        Format(
            "xlsx",
            "XLSX (Excel)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "http://publications.europa.eu/resource/authority/file-type/XLSX",
        ),
    )
}


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str | Promise
    description: str | Promise
    formats: tuple[str, ...]
    # The table of cms.exchange.tables its CSV and XLSX files hold; "" for the exchange document itself.
    table: str = ""


DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in (
        Dataset(
            "inhalte",
            _("Alle Inhalte im Austauschformat"),
            _(
                "Alle veröffentlichten Steckbriefe mit ihren Erfahrungs- und Evaluationsberichten, "
                "die Leitfäden und die Checklisten, als eine JSON-Datei im Austauschformat der Plattform."
            ),
            ("json",),
        ),
        Dataset(
            "projekte",
            _("Projekte"),
            _(
                "Ein Steckbrief je Zeile: Kommune mit Gemeindeschlüssel, Status, Zeitraum, Kosten und "
                "Förderung, Charta-Zuordnung, Lizenz und Adresse."
            ),
            ("csv", "xlsx"),
            table="projekte",
        ),
        Dataset(
            "berichte",
            _("Erfahrungs- und Evaluationsberichte"),
            _("Ein Bericht je Zeile, mit seinem Projekt, Datum, Art und Ergebnissen."),
            ("csv", "xlsx"),
            table="berichte",
        ),
        Dataset(
            "indikatoren",
            _("Indikatoren der Evaluationen"),
            _("Ein Indikator je Zeile: Ausgangswert, Zielwert und gemessener Wert mit Einheit und Messdatum."),
            ("csv", "xlsx"),
            table="indikatoren",
        ),
    )
}
