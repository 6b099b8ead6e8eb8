"""A synthetic, German-like smart-city corpus and a fixed query mix for the search benchmark.

Documents have exactly the shape of ``search/documents.py`` (text fields, one list of strings
per keyword field, scalar strings, integers, ``title_sort``). Facet values come from the
real vocabularies: guideline codes from ``fixtures/charta/taxonomy.json`` expanded with their
parents (``registry.taxonomy.expand_guideline_codes``), Leitbild, recommendation and action
field codes from the same file, states, size classes, AGS and populations from
``fixtures/municipalities/municipalities_extended.csv``.

Generation is deterministic and prefix-stable: ``documents(100_000)[:10_000] ==
documents(10_000)`` for the same seed. Word frequencies follow a Zipf-like distribution so
that posting lists have realistic lengths (a few very common words, a long tail of rare
ones); text mixes compounds, umlauts/ß and German stop words.
"""

from __future__ import annotations

import csv
import json
import random
import re
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from registry.size_class import size_class_for
from registry.taxonomy import expand_guideline_codes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEFAULT_SEED = 20250601

Document = dict[str, Any]

# --------------------------------------------------------------------------- vocabulary

# Real compounds first: with Zipf weights over the list they are the most frequent ones.
REAL_COMPOUNDS = """
Straßenbeleuchtung Bürgerbeteiligung Datenplattform Mängelmelder Ratsinformationssystem Ladesäulen
Verkehrsmanagement Parkraumsensoren Mitfahrbank Rufbus Dorfladen Bürgerterminal Bürgerservice
Hochwasserwarnung Starkregenvorsorge Wärmeplanung Energiemonitoring Klimaanpassung Hitzeaktionsplan
Leerstandsmanagement Leerstandskataster Glasfaserausbau Breitbandversorgung Funknetz Sensornetz
Umweltsensoren Luftqualität Bodenfeuchte Baumbewässerung Füllstandssensoren Abfallbehälter Müllabfuhr
Terminbuchung Onlinedienste Verwaltungsdigitalisierung Bürgerportal Beteiligungsplattform Dorf-App
Gemeindeapp Nachbarschaftshilfe Digitallotsen Seniorentreff Smartphone-Sprechstunde Videosprechstunde
Telemedizin Pflegeheim Gesundheitskiosk Schulcloud Lernplattform Medienzentrum Bibliotheksausweis
Coworking-Space Gründerzentrum Einzelhandel Innenstadtmanagement Besucherlenkung Frequenzzählung
Tourismusportal Veranstaltungskalender Vereinsplattform Ehrenamtsbörse Feuerwehr-App Katastrophenschutz
Waldbranderkennung Pegelmessung Trinkwasserversorgung Kläranlage Stadtwerke Energiegenossenschaft
Solarkataster Photovoltaikanlage Elektromobilität Carsharing Lastenrad Radverkehrszählung Fahrradparkhaus
Haltestellenanzeige Nahverkehrsplan Baustellenmanagement Geodateninfrastruktur Stadtmodell Stadtplanung
Haushaltsplan Haushaltsdaten Förderantrag Fördermittel Schnittstellenstandard Datenschutzkonzept
Informationssicherheit Rechenzentrum Verwaltungsportal E-Akte Onlinezugangsgesetz Bauantrag Wohngeldantrag
Quartiersentwicklung Quartiersmanagement Gemeindeentwicklungskonzept Ortskern Marktplatz Wochenmarkt
""".split()

COMPOUND_FIRST = """
Straßen Bürger Daten Verkehrs Energie Klima Wärme Park Lade Rad Bus Sensor Umwelt Wasser Abfall Schul
Kita Gesundheits Pflege Senioren Jugend Vereins Dorf Stadt Quartiers Gemeinde Verwaltungs Rathaus
Beteiligungs Mobilitäts Tourismus Kultur Handels Breitband Glasfaser Funk Netz Hochwasser Starkregen Hitze
Baum Grünflächen Licht Leerstands Flächen Bau Wohnungs Nachbarschafts Ehrenamts Sicherheits Notfall
Feuerwehr Bildungs Bibliotheks Museums Termin Melde Haushalts Rats Förder Geo Karten Mess Boden Luft
Lärm Fahrrad Shuttle Ruf Mitfahr Logistik Paket Markt Laden Service Zukunfts Innovations Wetter
""".split()

COMPOUND_HEAD = """
beleuchtung beteiligung plattform portal app netz sensoren station säulen zentrale management konzept
strategie monitoring messung verwaltung service dienst karte atlas kataster register daten raum zentrum
büro lotsen sprechstunde werkstatt labor bank verkehr planung schutz warnung system steuerung assistent
terminal automat melder akte antrag bericht analyse zählung leitsystem lösung infrastruktur angebot
versorgung wende förderung netzwerk treff börse kalender modell zugang kampagne
""".split()

NOUNS = """
Gemeinde Stadt Verwaltung Bürgerinnen Bürger Projekt Daten Sensoren Förderung Einwohner Ortskern Quartier
Landkreis Kommune Rathaus Ehrenamt Vereine Schule Kita Bibliothek Feuerwehr Bauhof Hochschule Unternehmen
Mitarbeitende Pilotphase Testgebiet Ausschreibung Beschluss Gemeinderat Stadtrat Haushalt Kosten Betrieb
Wartung Schnittstelle Lizenz Software Hardware Anwendung Nutzerinnen Rückmeldungen Umfrage Workshop
Erfahrungen Ergebnisse Wirkung Evaluation Nachnutzung Übertragbarkeit Datenschutz Barrierefreiheit Teilhabe
Öffentlichkeit Klimaschutz Nachhaltigkeit Digitalisierung Transformation Zusammenarbeit Kooperation Region
Akzeptanz Anbieter Dienstleister Gateway Lösung Zielgruppe Jugendliche Familien Pendler Gäste Handwerk
Einzelhändler Landwirtschaft Energieversorger Netzbetreiber Planungsbüro Koordinierungsstelle Stabsstelle
Digitalstrategie Zukunftswerkstatt Strategie Maßnahme Maßnahmen Prozess Prozesse Standard Standards
Qualität Sicherheit Mobilität Energie Beteiligung Bildung Gesundheit Kultur Umwelt Infrastruktur Wohnen
Straße Straßen Plätze Gebäude Grünflächen Bäume Laternen Ampeln Parkplätze Haltestellen Radwege Wege
""".split()

PHRASE_NOUNS = [
    "Open Data",
    "digitale Teilhabe",
    "kommunale Wärmeplanung",
    "Smart City",
    "LED-Straßenbeleuchtung",
    "öffentlicher Nahverkehr",
    "Internet der Dinge",
    "künstliche Intelligenz",
    "digitaler Zwilling",
    "offene Schnittstellen",
    "Leichte Sprache",
    "interkommunale Zusammenarbeit",
]

ADJECTIVES = """
digitale digitalen offene offenen kommunale kommunalen smarte nachhaltige nachhaltigen barrierefreie
interkommunale ländliche ländlichen öffentliche öffentlichen neue neuen gemeinsame gemeinsamen vernetzte
intelligente automatische mobile kostenlose ehrenamtliche regionale regionalen zentrale einfache sichere
klimafreundliche bürgernahe datenbasierte transparente flexible günstige moderne kleine kleinen große
""".split()

VERBS = """
testet erprobt betreibt entwickelt nutzt verbindet misst steuert spart verbessert erleichtert unterstützt
ermöglicht zeigt beteiligt informiert sammelt veröffentlicht plant baut bündelt vernetzt digitalisiert
organisiert koordiniert fördert stärkt überwacht meldet erfasst analysiert verknüpft ersetzt ergänzt
startet erweitert finanziert beschafft installiert wartet
""".split()

INFINITIVES = """
verbessern senken erleichtern stärken vernetzen beschleunigen vereinfachen sichern erhöhen reduzieren
fördern entlasten unterstützen messen steuern informieren beteiligen gewinnen
""".split()

TARGETS = [
    "ältere Menschen",
    "Bürgerinnen und Bürger",
    "Pendlerinnen und Pendler",
    "Schülerinnen und Schüler",
    "Familien",
    "Vereine",
    "Gewerbetreibende",
    "Touristen",
    "Menschen mit Behinderung",
    "Jugendliche",
    "Pflegebedürftige",
    "Landwirte",
    "Neubürger",
    "Ehrenamtliche",
    "die Verwaltung",
    "den Gemeinderat",
    "Senioren",
    "Zugezogene",
]

ORGS = [
    "die Stadtwerke",
    "der Bauhof",
    "die Hochschule",
    "ein regionaler Dienstleister",
    "die Kreisverwaltung",
    "der Zweckverband",
    "die Wirtschaftsförderung",
    "ein Start-up",
    "der Landkreis",
    "das Amt",
    "die Verbandsgemeinde",
    "der Heimatverein",
    "die Volkshochschule",
    "die Sparkasse",
    "der Energieversorger",
    "die Feuerwehr",
    "das Rechenzentrum",
    "die Digitalagentur des Landes",
]

PLACES = [
    "Ortskern",
    "Rathaus",
    "Gewerbegebiet",
    "Neubaugebiet",
    "Kurpark",
    "Bahnhof",
    "Schulzentrum",
    "Dorfgemeinschaftshaus",
    "Stadtteil",
    "Hafen",
    "Marktplatz",
    "Freibad",
    "Landkreis",
    "Gemeindegebiet",
    "Quartier",
]

TECH = [
    "LoRaWAN",
    "Glasfaser",
    "5G",
    "WLAN",
    "Bluetooth-Beacons",
    "offene Schnittstellen",
    "eine Cloud-Lösung",
    "Open-Source-Software",
    "eine Smartphone-App",
    "QR-Codes",
    "Solarmodule",
    "Funksensoren",
    "ein Dashboard",
    "eine Datenbank",
    "ein Geoinformationssystem",
    "NB-IoT",
]

FUNDERS = [
    "Modellprojekte Smart Cities",
    "Kommunalrichtlinie",
    "LEADER",
    "EFRE",
    "Digitalprogramm des Landes",
    "Städtebauförderung",
    "Förderaufruf Smarte Region",
    "Bundesprogramm Ländliche Entwicklung",
]

# ~200 tags, as editors would type them (letters, digits, spaces, hyphens: the tag facet's pattern).
TAGS = """
LoRaWAN|Open Data|Straßenbeleuchtung|Mitfahrbank|Rufbus|Mängelmelder|Dorf-App|Bürgerbeteiligung|Digitale Verwaltung|
OZG|E-Akte|Smart Parking|Sensorik|Umweltsensoren|Hochwasserschutz|Starkregen|Wärmeplanung|Glasfaser|WLAN|Coworking|
Digitallotsen|Telemedizin|Pflege|Ehrenamt|Vereine|Tourismus|Einzelhandel|Innenstadt|Leerstand|Klimaanpassung|
Hitzeschutz|Baumkataster|Bewässerung|Energiemonitoring|Photovoltaik|Solarkataster|Elektromobilität|Carsharing|
Lastenrad|Radverkehr|ÖPNV|On-Demand-Verkehr|Echtzeitdaten|Haltestellen|Parkraum|Verkehrszählung|Lärmschutz|
Luftqualität|Abfallwirtschaft|Füllstandsmessung|Wasserwirtschaft|Pegelmessung|Katastrophenschutz|Feuerwehr|
Warnsystem|Waldbrand|Landwirtschaft|Smart Farming|Bildung|Schulcloud|Tablets|Medienkompetenz|Bibliothek|
Volkshochschule|Senioren|Jugendbeteiligung|Familie|Kita-Platzvergabe|Inklusion|Barrierefreiheit|Leichte Sprache|
Mehrsprachigkeit|Integration|Nachbarschaftshilfe|Dorfladen|Nahversorgung|Regionalmarke|Wochenmarkt|Gastronomie|
Veranstaltungen|Kultur|Museum|Heimatgeschichte|Digitaler Zwilling|3D-Stadtmodell|Geodaten|GIS|Urbane Datenplattform|
Dashboard|KI|Chatbot|Sprachassistent|Terminvergabe|Bürgerkonto|Onlineantrag|Bauantrag|Wohngeld|Gewerbeanmeldung|
Ratsinformationssystem|Haushalt|Transparenz|Livestream|Umfrage|Zukunftswerkstatt|Strategie|Digitalstrategie|
Smart-City-Strategie|Interkommunal|Zweckverband|Kooperation|Stadt-Land|Förderprogramm|LEADER|EFRE|Nachnutzung|
Open Source|EUPL|Schnittstellen|Standardisierung|Datenschutz|IT-Sicherheit|Rechenzentrum|Cloud|Souveränität|
Beschaffung|Vergabe|Personal|Weiterbildung|Change Management|Agile Verwaltung|Innovationslabor|Reallabor|
Hackathon|Citizen Science|Gemeinwohl|Klimaschutz|CO2-Bilanz|Energiewende|Bürgerenergie|Nahwärme|Wasserstoff|
Ladeinfrastruktur|E-Bus|Bikesharing|Mobilstation|Pendler|Parken|Besucherlenkung|Frequenzmessung|Tourismusinformation|
Wanderwege|Radwege|Naturschutz|Biodiversität|Grünflächen|Friedhof|Bauhof|Winterdienst|Straßenzustand|Baustellen|
Verkehrssicherheit|Schulweg|Ampel|Notruf|Defibrillator|Gesundheitskiosk|Ärzteversorgung|Apotheke|Pflegeheim|
Quartiersmanagement|Wohnen|Wohnungsbau|Stadtentwicklung|Dorfentwicklung|Ortskernbelebung|Marktplatz|Coworking-Space|
Gründung|Wirtschaftsförderung|Fachkräfte|Ausbildung|Handwerk|Gewerbegebiet|Breitband|5G|Funknetz|Sensornetz|
Internet der Dinge|Smart Meter|Straßenlaternen|LED|Lichtsteuerung|Bürgerbus|Mitfahrzentrale|Seniorenbeirat|
Jugendrat|Kinder|Spielplätze|Sport|Freibad|Vereinsverwaltung|Ehrenamtskarte|Engagement|Soziale Medien|Newsletter
""".replace("\n", "").split("|")

STOP_FILLERS = [
    "und",
    "die",
    "der",
    "das",
    "mit",
    "für",
    "in",
    "auf",
    "auch",
    "noch",
    "nicht",
    "dabei",
    "außerdem",
    "zudem",
    "vor allem",
    "inzwischen",
    "bisher",
    "seitdem",
]

SENTENCES = [
    "Die {a} {n} in {m} {v} {n2} für {t}.",
    "Mit dem Projekt {v} die Gemeinde {n} und {n2}.",
    "Seit {y} {v} {o} {c} im {p}.",
    "Ziel ist es, {n} und {n2} zu {i} und die {n3} für {t} zu {i2}.",
    "Dabei zeigte sich, dass {a} {n} nur mit {n2} und {n3} funktioniert.",
    "Die Kosten für {c} lagen bei rund {num} Euro, davon {pct} Prozent aus {f}.",
    "Nach der Pilotphase wurde {c} auf das gesamte Gemeindegebiet ausgeweitet.",
    "Wichtig war die frühe Einbindung von {t}, {o} und {t2}.",
    "Für andere Kommunen ist das Vorgehen übertragbar, wenn {n} und {n2} vorhanden sind.",
    "Die Werte werden über {tech} an {c} übertragen und im {c2} veröffentlicht.",
    "Im ersten Jahr nutzten {num2} {t} {c} regelmäßig.",
    "{o_cap} {v} {c} gemeinsam mit {o2}, die {a} {n} bereitstellt.",
    "Ein Problem war die {n} der {c}, die wir erst nach {num3} Monaten gelöst haben.",
    "Heute ist {c} im Regelbetrieb und wird von {o} betreut.",
    "Wir empfehlen, {ph} von Anfang an mitzudenken und {t} früh zu beteiligen.",
    "Besonders {t} profitieren von {ph} und {c}.",
    "{c_cap} {v} {n} {fill} {n2}, weil {a} {n3} fehlen.",
    "Über {tech} {v} {o} {c} {fill} im {p}.",
    "Die {n} ist {fill} ein wichtiger Baustein der {a} {c}.",
    "Die Evaluation zeigt, dass {c} die {n} um {pct} Prozent {i_pp} hat.",
]
INFINITIVE_PARTICIPLES = ["verbessert", "gesenkt", "erhöht", "reduziert", "beschleunigt", "vereinfacht"]

TITLES = [
    "{C} in {m}",
    "{A} {C} für {t}",
    "{C}: {a} {n} im {p}",
    "{C} über {tech}",
    "Pilotprojekt {C}",
    "{C} und {C2}",
    "{A} {C} im {p}",
    "{C} für den {p}",
]
GUIDE_TITLES = ["Leitfaden: {C} in kleinen Kommunen", "So gelingt {C}", "Handreichung {C} und {C2}"]
CHECKLIST_TITLES = ["Checkliste {C}", "Prüfraster {C} und {C2}", "Checkliste: {A} {C}"]
REPORT_TITLES = [
    "Erfahrungsbericht: {C} in {m}",
    "Zwei Jahre {C} – was wir gelernt haben",
    "{C}: Bilanz nach {num3} Monaten",
]
EVALUATION_TITLES = ["Evaluation {C} ({y})", "Wirkungsanalyse {C} in {m}", "Abschlussbericht {C}"]

CONTENT_TYPE_WEIGHTS = {
    "projekt": 60,
    "erfahrungsbericht": 20,
    "evaluationsbericht": 10,
    "leitfaden": 6,
    "checkliste": 4,
}
STATUS_WEIGHTS = {
    "idee": 5,
    "planung": 15,
    "pilot": 25,
    "regelbetrieb": 30,
    "uebertragen": 8,
    "beendet": 12,
    "abgebrochen": 5,
}
BUDGET_WEIGHTS = {"": 15, "bis-50k": 30, "50k-250k": 30, "250k-1mio": 17, "ueber-1mio": 8}
# One amount in euros per budget band, for pages built from documents (baseline pages, exchange files).
BUDGET_AMOUNTS = {"bis-50k": 30_000, "50k-250k": 120_000, "250k-1mio": 480_000, "ueber-1mio": 2_400_000}
YEARS = list(range(2015, 2027))
YEAR_WEIGHTS = [1, 2, 3, 4, 6, 8, 10, 12, 14, 15, 14, 8]  # growing platform; 2026 only partly


# --------------------------------------------------------------------------- helpers


class Zipf:
    """Weighted choice with weight 1/rank**s (rank in list order)."""

    def __init__(self, items: list, s: float = 1.0):
        self.items = list(items)
        self.cum = list(accumulate(1.0 / (rank + 1) ** s for rank in range(len(self.items))))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


class Weighted(Zipf):
    def __init__(self, weights: dict | list[tuple[Any, float]]):
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.items = [k for k, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]


def slugify(text: str) -> str:
    text = text.casefold()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "seite"


@dataclass(frozen=True)
class Municipality:
    ags: str
    name: str
    state: str
    state_name: str
    population: int
    urbanisation: str
    size_class: str


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    """Political municipalities from the Destatis extract (as ``load_municipalities`` loads them)."""
    result = []
    with open(FIXTURES / "municipalities" / "municipalities_extended.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["gemeindefrei"] != "0":
                continue
            population = int(row["population"])
            result.append(
                Municipality(
                    ags=row["ags"],
                    name=row["name"],
                    state=row["state_code"],
                    state_name=row["state"],
                    population=population,
                    urbanisation=str(int(row["urbanisation_code"])),
                    size_class=str(size_class_for(population).value),
                )
            )
    return tuple(result)


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, list[str]]:
    data = json.loads((FIXTURES / "charta" / "taxonomy.json").read_text(encoding="utf-8"))
    return {
        "sub_guidelines": [c["code"] for g in data["guidelines"] for c in g.get("children", [])],
        "main_guidelines": [g["code"] for g in data["guidelines"]],
        "leitbild": [t["code"] for t in data["leitbild"]],
        "recommendation": [t["code"] for t in data["recommendations"]],
        "action_field": [t["code"] for t in data["action_fields"]],
    }


def _compounds(seed: int) -> list[str]:
    """Curated compounds, then a fixed set of generated ones (German-like, not all real)."""
    rng = random.Random(seed ^ 0xC0FFEE)
    generated: list[str] = []
    seen = {c.casefold() for c in REAL_COMPOUNDS}
    while len(generated) < 500:
        word = rng.choice(COMPOUND_FIRST) + rng.choice(COMPOUND_HEAD)
        if word.casefold() not in seen:
            seen.add(word.casefold())
            generated.append(word)
    return REAL_COMPOUNDS + generated


def _pick_distinct(rng: random.Random, pool: Zipf, k: int) -> list:
    chosen: list = []
    for _ in range(k * 4):
        if len(chosen) >= k:
            break
        item = pool.pick(rng)
        if item not in chosen:
            chosen.append(item)
    return chosen


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- generator


class CorpusGenerator:
    def __init__(self, seed: int = DEFAULT_SEED):
        self.seed = seed
        self.rng = random.Random(seed)
        tax = taxonomy()
        compounds = _compounds(seed)
        # A document is about one or two topics (popular topics are more frequent) and
        # mentions other compounds in passing (a flatter distribution): a topic word then
        # occurs in a few percent of the documents, not in most of them.
        self.topics = Zipf(compounds, s=0.9)
        background = list(compounds)
        random.Random(seed ^ 0xBEEF).shuffle(background)  # its frequent words are not the frequent topics
        self.compounds = Zipf(background, s=0.5)
        self.topic: tuple[str, ...] = ()
        self.nouns = Zipf(NOUNS, s=0.8)
        self.phrases = Zipf(PHRASE_NOUNS, s=0.3)
        self.adjectives = Zipf(ADJECTIVES, s=0.7)
        self.verbs = Zipf(VERBS, s=0.6)
        self.infinitives = Zipf(INFINITIVES, s=0.5)
        self.targets = Zipf(TARGETS, s=0.6)
        self.orgs = Zipf(ORGS, s=0.6)
        self.places = Zipf(PLACES, s=0.6)
        self.tech = Zipf(TECH, s=0.4)
        self.funders = Zipf(FUNDERS, s=0.8)
        self.fillers = Zipf(STOP_FILLERS, s=0.5)
        self.tags = Zipf(TAGS, s=0.6)
        self.sub_guidelines = Zipf(tax["sub_guidelines"], s=0.4)
        self.leitbild = Zipf(tax["leitbild"], s=0.5)
        self.recommendation = Weighted(
            [(c, 6 if c in ("f", "l") else 2 if c in ("a", "b", "g") else 1) for c in tax["recommendation"]]
        )
        self.action_fields = Zipf(tax["action_field"], s=0.6)
        self.content_types = Weighted(CONTENT_TYPE_WEIGHTS)
        self.statuses = Weighted(STATUS_WEIGHTS)
        self.budgets = Weighted(BUDGET_WEIGHTS)
        self.years = Weighted(list(zip(YEARS, YEAR_WEIGHTS, strict=True)))
        # Larger places run more projects, but small ones are the majority of the list.
        munis = municipalities()
        self.municipalities = Weighted([(m, m.population**0.5) for m in munis])

    # ----------------------------------------------------------------- text

    def compound(self) -> str:
        if self.topic and self.rng.random() < 0.5:
            return self.topic[int(self.rng.random() * len(self.topic))]
        return self.compounds.pick(self.rng)

    def noun(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            return self.compound()
        if r < 0.40:
            return self.phrases.pick(self.rng)
        return self.nouns.pick(self.rng)

    def sentence(self, muni: str, year: int) -> str:
        rng = self.rng
        template = SENTENCES[int(rng.random() * len(SENTENCES))]
        values = {
            "a": self.adjectives.pick(rng),
            "n": self.noun(),
            "n2": self.noun(),
            "n3": self.noun(),
            "c": self.compound(),
            "c2": self.compound(),
            "v": self.verbs.pick(rng),
            "i": self.infinitives.pick(rng),
            "i2": self.infinitives.pick(rng),
            "i_pp": INFINITIVE_PARTICIPLES[int(rng.random() * len(INFINITIVE_PARTICIPLES))],
            "t": self.targets.pick(rng),
            "t2": self.targets.pick(rng),
            "o": self.orgs.pick(rng),
            "o2": self.orgs.pick(rng),
            "p": self.places.pick(rng),
            "tech": self.tech.pick(rng),
            "f": self.funders.pick(rng),
            "ph": self.phrases.pick(rng),
            "fill": self.fillers.pick(rng),
            "m": muni,
            "y": year - int(rng.random() * 3),
            "num": f"{int(rng.random() * 900 + 20)}.000",
            "num2": int(rng.random() * 2000 + 30),
            "num3": int(rng.random() * 30 + 3),
            "pct": int(rng.random() * 70 + 10),
        }
        values["o_cap"] = _cap(values["o"])
        values["c_cap"] = _cap(values["c"])
        return template.format(**values)

    def paragraph(self, muni: str, year: int, sentences: int) -> str:
        return " ".join(self.sentence(muni, year) for _ in range(sentences))

    def title(self, kind: str, muni: str, year: int) -> str:
        rng = self.rng
        templates = {
            "leitfaden": GUIDE_TITLES,
            "checkliste": CHECKLIST_TITLES,
            "erfahrungsbericht": REPORT_TITLES,
            "evaluationsbericht": EVALUATION_TITLES,
        }.get(kind, TITLES)
        template = templates[int(rng.random() * len(templates))]
        return template.format(
            C=self.topic[0],
            C2=self.topic[-1] if len(self.topic) > 1 else self.compounds.pick(rng),
            A=_cap(self.adjectives.pick(rng)),
            a=self.adjectives.pick(rng),
            n=self.noun(),
            t=self.targets.pick(rng),
            p=self.places.pick(rng),
            tech=self.tech.pick(rng),
            m=muni,
            y=year,
            num3=int(rng.random() * 30 + 6),
        )

    # ----------------------------------------------------------------- documents

    def document(self, number: int) -> Document:
        rng = self.rng
        kind = self.content_types.pick(rng)
        self.topic = tuple(dict.fromkeys(self.topics.pick(rng) for _ in range(1 + int(rng.random() * 2))))
        year = self.years.pick(rng)
        day = date(year, 1, 1) + timedelta(days=int(rng.random() * (180 if year == 2026 else 365)))
        doc: Document = {
            "id": str(number),
            "content_type": [kind],
            "guideline": [],
            "size_class": [],
            "state": [],
            "action_field": [],
            "status": [],
            "leitbild": [],
            "recommendation": [],
            "year": [str(year)],
            "budget": [],
            "open_source": [],
            "has_evaluation": [],
            "tag": [],
            "reused": [],
            "partner_type": [],
            "municipality_ags": [],
            "url": "",
            "title": "",
            "summary": "",
            "municipality_name": "",
            "state_name": "",
            "urbanisation": "",
            "date": day.isoformat(),
            "population": 0,
            "reuse_count": 0,
            "body": "",
            "title_sort": "",
        }
        sub_guidelines = _pick_distinct(rng, self.sub_guidelines, 1 + int(rng.random() * 3))
        doc["guideline"] = expand_guideline_codes(sub_guidelines)
        if kind in ("leitfaden", "checkliste"):
            muni_name = "Ihrer Gemeinde"
            title = self.title(kind, muni_name, year)
            summary = self.paragraph(muni_name, year, 2)
            body = self.paragraph(muni_name, year, 10 + int(rng.random() * 14))
            doc["url"] = f"/wissen/{slugify(title)}-{number}/"
        else:
            muni: Municipality = self.municipalities.pick(rng)
            muni_name = muni.name
            doc.update(
                municipality_ags=[muni.ags],
                municipality_name=muni.name,
                state=[muni.state],
                state_name=muni.state_name,
                size_class=[muni.size_class],
                urbanisation=muni.urbanisation,
                population=muni.population,
                leitbild=sorted(_pick_distinct(rng, self.leitbild, int(rng.random() * 4))),
                recommendation=sorted(_pick_distinct(rng, self.recommendation, int(rng.random() * 4))),
                action_field=sorted(_pick_distinct(rng, self.action_fields, 1 + int(rng.random() * 2.2))),
                tag=sorted(_pick_distinct(rng, self.tags, 1 + int(rng.random() * 5))),
                status=[self.statuses.pick(rng)],
                open_source=["ja" if rng.random() < 0.25 else "nein"],
                reuse_count=1 + int(rng.expovariate(0.8)) if rng.random() < 0.12 else 0,  # few are copied
            )
            if kind != "projekt":  # as in search/documents.py: only projects are adopted
                doc["reuse_count"] = 0
            else:
                doc["reused"] = ["ja" if doc["reuse_count"] else "nein"]
            budget = self.budgets.pick(rng)
            doc["budget"] = [budget] if budget else []
            has_evaluation = kind == "evaluationsbericht" or rng.random() < 0.15
            doc["has_evaluation"] = ["ja" if has_evaluation else "nein"]
            title = self.title(kind, muni_name, year)
            summary = self.paragraph(muni_name, year, 2 + int(rng.random() * 2))
            sections = [self.paragraph(muni_name, year, 2 + int(rng.random() * 4)) for _ in range(3)]
            if rng.random() < 0.5:
                sections.append("Förderprogramm: " + self.funders.pick(rng))
            sections += [muni_name, " ".join(doc["tag"])]
            body = "\n".join(sections)
            base = f"/kommunen/{slugify(muni_name)}-{muni.ags}/"
            doc["url"] = base + f"{slugify(title)}-{number}/"
            if kind != "projekt":
                summary = summary[:400]
        doc.update(title=title, title_sort=title.casefold(), summary=summary, body=body)
        return doc


def documents(n: int, seed: int = DEFAULT_SEED) -> Iterator[Document]:
    """``n`` documents with ids "1".."n"; the first k are the same for every n >= k."""
    generator = CorpusGenerator(seed)
    for number in range(1, n + 1):
        yield generator.document(number)


# --------------------------------------------------------------------------- the query mix


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def filter_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)

    def params(self, page_size: int = 20) -> list[tuple[str, str]]:
        items = [("q", self.text)] if self.text else []
        for name, values in self.filters:
            items += [(name, v) for v in values]
        return items + [("page_size", str(page_size))]

    def label(self) -> str:
        selections = " ".join(f"{name}={','.join(values)}" for name, values in self.filters)
        return " ".join(p for p in (repr(self.text) if self.text else "", selections) if p) or "(alles)"


def _q(kind: str, text: str, **filters: str | tuple[str, ...]) -> BenchQuery:
    items = tuple((name, (v,) if isinstance(v, str) else tuple(v)) for name, v in filters.items())
    return BenchQuery(kind, text, items)


SINGLE_WORDS = """
Mobilität Beteiligung Straßenbeleuchtung Sensoren Bürger Datenplattform Digitalisierung Verwaltung
Klimaschutz Ladesäulen Rufbus Mängelmelder Glasfaser Feuerwehr Tourismus Schule Beleuchtung Förderung
Hochwasserwarnung Barrierefreiheit LoRaWAN Pflege Parkplätze Wärmeplanung Einzelhandel Telemedizin
Leerstandsmanagement Bibliothek Evaluation Nachnutzung
""".split()

PAIRS = [
    "Open Data",
    "digitale Verwaltung",
    "LED Straßenbeleuchtung",
    "Bürger Beteiligung",
    "Sensoren Luftqualität",
    "Rufbus ländlich",
    "Glasfaser Ausbau",
    "Smart City",
    "Wärmeplanung kommunal",
    "Mitfahrbank Senioren",
    "Feuerwehr App",
    "Parkraum Sensoren",
    "Schule Tablets",
    "Leerstand Ortskern",
    "Energie Monitoring",
    "Hochwasser Pegel",
    "Tourismus Besucherlenkung",
    "Terminbuchung Rathaus",
    "Ehrenamt Plattform",
    "Klimaanpassung Bäume",
]

PHRASES = [
    '"Open Data"',
    '"digitale Teilhabe"',
    '"kommunale Wärmeplanung"',
    '"frühe Einbindung"',
    '"gesamte Gemeindegebiet"',
    '"Internet der Dinge"',
    '"Leichte Sprache"',
    '"interkommunale Zusammenarbeit"',
    '"offene Schnittstellen" Daten',
    'Pilotphase "digitaler Zwilling"',
    '"im Regelbetrieb"',
    '"ältere Menschen" Smartphone',
]

STOPWORD_HEAVY = [
    "die Gemeinde und die Bürger",
    "wie kann man in der Verwaltung mit den Daten arbeiten",
    "was hat das für die kleinen Gemeinden gebracht",
    "wie wird das in einer kleinen Gemeinde umgesetzt",
    "für die von der mit dem Rathaus",
    "der die das und",
    "ein Projekt für die Menschen auf dem Land",
    "wie geht das mit der Beleuchtung in der Nacht",
    "was kostet so etwas und wer bezahlt es",
    "mit dem Bus in die Stadt",
]

TYPOS = [
    "Strasenbeleuchtung",
    "Beteilgung",
    "Mobilitat",
    "Verwaltnug",
    "Digitalisirung",
    "Klimschutz",
    "Ladesaeulen",
    "Buergerbeteiligung",
    "Sensorn Luftqualitat",
    "Hochwaserwarnung",
    "Telemedizn",
    "Mängelmelda",
]

FILTERED = [
    _q("filter", "Beteiligung", size_class="kleinstadt"),
    _q("filter", "Sensoren", state="09", status="regelbetrieb"),
    _q("filter", "Mobilität", guideline="3"),
    _q("filter", "Plattform", guideline="2.3", action_field="beteiligung"),
    _q("filter", "Daten", year=("2023", "2024")),
    _q("filter", "Funknetz", tag="LoRaWAN"),
    _q("filter", "Verwaltung", budget="bis-50k", open_source="ja"),
    _q("filter", "Klimaanpassung", leitbild="klimaneutral", size_class=("kleinstadt", "landgemeinde")),
    _q("filter", "App", content_type="projekt", status=("pilot", "regelbetrieb"), state="05"),
    _q("filter", "Erfahrungen", content_type=("erfahrungsbericht", "evaluationsbericht")),
    _q("filter", "Förderung", recommendation="i", budget=("250k-1mio", "ueber-1mio")),
    _q("filter", "Schule", action_field="bildung", has_evaluation="ja"),
    _q("filter", "Rufbus", action_field="mobilitaet", size_class="landgemeinde", year="2022"),
    _q("filter", "Open Data", guideline=("4", "4.1"), open_source="ja"),
    _q("filter", "Straßenbeleuchtung", state=("08", "09"), tag="LED"),
    _q("filter", "Strategie", recommendation=("a", "f"), leitbild="innovativ", status="planung"),
    _q("filter", "Tourismus", action_field="kultur-tourismus", state="13"),
    _q("filter", "Pflege", tag=("Telemedizin", "Pflege"), has_evaluation="ja"),
    _q("filter", "Energie", guideline="3.3", year=("2019", "2020", "2021")),
    _q("filter", "Ehrenamt", size_class="landgemeinde", leitbild=("lebenswert", "partizipativ")),
    _q("filter", "Bürgerbeteiligung", content_type="evaluationsbericht", guideline="2"),
    _q("filter", "Wärmeplanung", state="12", budget="50k-250k"),
    # Empty text: browsing by facets only.
    _q("filter-empty", "", size_class="kleinstadt"),
    _q("filter-empty", "", guideline="2.3"),
    _q("filter-empty", "", state="09", status="regelbetrieb"),
    _q("filter-empty", "", action_field="mobilitaet", year="2024"),
    _q("filter-empty", "", content_type="leitfaden"),
    _q("filter-empty", "", tag="Open Data", open_source="ja"),
    _q("filter-empty", "", leitbild="klimaneutral", size_class="landgemeinde", budget="bis-50k"),
    _q("filter-empty", "", has_evaluation="ja", status="uebertragen"),
    _q("filter-empty", "", recommendation="l", guideline=("1", "1.3")),
    _q("filter-empty", "", state=("14", "15", "16"), content_type="projekt"),
]

QUERY_MIX: tuple[BenchQuery, ...] = (
    *(_q("word", w) for w in SINGLE_WORDS),
    *(_q("pair", p) for p in PAIRS),
    *(_q("phrase", p) for p in PHRASES),
    *(_q("stopwords", s) for s in STOPWORD_HEAVY),
    *(_q("typo", t) for t in TYPOS),
    *FILTERED,
    _q("empty", ""),  # the search page opened without input: everything, all facets
)


def query_mix(quick: bool = False) -> list[BenchQuery]:
    """The fixed mix (>= 100 requests); ``quick`` keeps every third, each kind still present."""
    mix = list(QUERY_MIX)
    return mix[::3] if quick else mix
