"""A generated exchange file (``docs/exchange-format.md``) for the import benchmark.

The records are built from the synthetic corpus (``bench/corpus.py``): the same deterministic,
fictional documents, turned into what a supplier would send. Projects go under their
municipality, reports under the latest project of the same municipality (or the latest project
at all), guides and checklists into the knowledge section. Every record carries the fields a
real supplier fills in (Charta codes, tags, dates, amounts, rich text, body blocks, indicators,
some lineage), so the import does the work it does in production, minus attached files (no
PDFs or images: the benchmark measures the importer, not pypdf or Pillow).

Municipalities are spread over several files, as a supplier with a large stock would send them
(the importer refuses files above its size limit); each file imports on its own, in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import BUDGET_AMOUNTS, ORGS, CorpusGenerator, Document, slugify

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "schema" / "exchange.schema.json"
# Content records per file: about 0.6 MB of JSON, far below EXCHANGE_MAX_FILE_BYTES (20 MB), and
# small enough that the benchmark can stop between files when its time budget runs out.
ITEMS_PER_FILE = 250
PHASES = ("vorbereitung", "planung", "umsetzung", "betrieb", "evaluation", "nachnutzung")
GOALS = ("erreicht", "teilweise", "nicht_erreicht", "offen")
ACTORS = ("kommunen", "forschung", "wirtschaft", "zivilgesellschaft")


@dataclass
class ExchangeFile:
    """One written file and how many records of each kind it holds (every record is one page)."""

    path: Path
    counts: dict[str, int]

    @property
    def pages(self) -> int:
        return sum(self.counts.values())

    @property
    def content_items(self) -> int:
        """Projects, reports, guides and checklists: the pages besides the municipalities."""
        return self.pages - self.counts.get("municipalities", 0)


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _html(*paragraphs: str) -> str:
    from html import escape

    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _sentences(text: str, k: int) -> list[str]:
    parts = [s.strip() + "." for s in text.split(".") if s.strip()]
    return parts[:k] or [text[:200]]


class RecordBuilder:
    """Turns corpus documents into exchange records, keeping what later records refer to."""

    def __init__(self) -> None:
        self.municipalities: dict[str, dict[str, Any]] = {}
        self.latest_project: dict[str, dict[str, Any]] = {}  # by AGS
        self.last_project: dict[str, Any] | None = None
        self.guides: list[dict[str, Any]] = []
        self.checklists: list[dict[str, Any]] = []

    def add(self, doc: Document) -> None:
        kind = doc["content_type"][0]
        if kind == "leitfaden":
            self.guides.append(self.guide(doc))
        elif kind == "checkliste":
            self.checklists.append(self.checklist(doc))
        elif kind == "projekt" or self.last_project is None:
            self.project(doc)
        else:
            ags = doc["municipality_ags"][0]
            parent = self.latest_project.get(ags) or self.last_project
            parent.setdefault("reports", []).append(self.report(doc))

    def _municipality(self, doc: Document) -> dict[str, Any]:
        ags = doc["municipality_ags"][0]
        record = self.municipalities.get(ags)
        if record is None:
            record = {
                "id": f"bench-kommune-{ags}",
                "ags": ags,
                # Several municipalities share a name (Asendorf, Neustadt …): the AGS keeps the slugs apart.
                "slug": f"{slugify(doc['municipality_name'])}-{ags}",
                "smart_city_unit": "Stabsstelle Digitalisierung",
                "intro": _html(f"{doc['municipality_name']} teilt hier ihre Smart-City-Projekte."),
                "projects": [],
            }
            self.municipalities[ags] = record
        return record

    def project(self, doc: Document) -> None:
        number = doc["id"]
        sections = _paragraphs(doc["body"])
        funder = next((s.split(": ", 1)[1] for s in sections if s.startswith("Förderprogramm: ")), "")
        budget = (doc["budget"] or [""])[0]
        record: dict[str, Any] = {
            "id": f"bench-projekt-{number}",
            "title": doc["title"],
            "slug": f"{slugify(doc['title'])[:60].strip('-')}-{number}",
            "summary": doc["summary"][:600],
            "status": doc["status"][0],
            "problem": _html(sections[0]),
            "solution": _html(*sections[1:3]),
            "start_date": doc["date"],
            "guidelines": [code for code in doc["guideline"] if "." in code],
            "leitbild": doc["leitbild"],
            "recommendations": doc["recommendation"],
            "actors": [ACTORS[int(number) % len(ACTORS)]],
            "action_fields": doc["action_field"],
            "tags": doc["tag"],
            "transferability": sections[2] if len(sections) > 2 else "",
            "contact": {"role": "Projektleitung"},
            "body": [
                {"type": "heading", "value": {"text": "Wie es weitergeht", "level": "h2"}},
                {"type": "paragraph", "value": _html(sections[-3] if len(sections) > 3 else sections[0])},
                {"type": "facts", "value": [{"label": "Kommune", "value": doc["municipality_name"]}]},
            ],
        }
        if budget:
            record["budget_eur"] = BUDGET_AMOUNTS[budget]
            if funder:
                record["funding_eur"] = BUDGET_AMOUNTS[budget] * 6 // 10
                record["funding_programme"] = funder
        if doc["open_source"] == ["ja"]:
            record["open_source_license"] = "EUPL-1.2"
            record["repository_url"] = f"https://gitlab.opencode.de/beispiel/projekt-{number}"
        self._municipality(doc)["projects"].append(record)
        self.latest_project[doc["municipality_ags"][0]] = record
        self.last_project = record

    def report(self, doc: Document) -> dict[str, Any]:
        number = doc["id"]
        evaluation = doc["content_type"][0] == "evaluationsbericht"
        sections = _paragraphs(doc["body"])
        record: dict[str, Any] = {
            "id": f"bench-bericht-{number}",
            "type": "evaluation" if evaluation else "experience",
            "title": doc["title"],
            "slug": f"{slugify(doc['title'])[:60].strip('-')}-{number}",
            "date": doc["date"],
            "author_organisation": ORGS[int(number) % len(ORGS)].split(" ", 1)[1],
            "findings": _html(doc["summary"], *sections[:1]),
            "body": [{"type": "paragraph", "value": _html(s)} for s in sections[1:3]],
        }
        if evaluation:
            record |= {
                "method": sections[-3] if len(sections) > 3 else doc["summary"],
                "goal_attainment": GOALS[int(number) % len(GOALS)],
                "indicators": [
                    {"name": "Nutzende je Monat", "unit": "Personen", "baseline": 0, "target": 500, "measured": 420},
                    {"name": "Bearbeitungszeit", "unit": "Tage", "baseline": 14, "target": 5, "measured": 6},
                ],
            }
        return record

    def _knowledge(self, doc: Document) -> dict[str, Any]:
        number = doc["id"]
        return {
            "title": doc["title"],
            "slug": f"{slugify(doc['title'])[:60].strip('-')}-{number}",
            "intro": doc["summary"][:2000],
            "author_organisation": "Geschäftsstelle Smart City",
            "guidelines": [code for code in doc["guideline"] if "." in code],
        }

    def guide(self, doc: Document) -> dict[str, Any]:
        sentences = _sentences(doc["body"], 9)
        record = {"id": f"bench-leitfaden-{doc['id']}", **self._knowledge(doc)}
        record["sections"] = [
            {"heading": heading, "body": _html(" ".join(sentences[i * 3 : i * 3 + 3]))}
            for i, heading in enumerate(("Ausgangslage", "Vorgehen", "Erfahrungen"))
        ]
        return record

    def checklist(self, doc: Document) -> dict[str, Any]:
        sentences = _sentences(doc["body"], 8)
        record = {"id": f"bench-checkliste-{doc['id']}", **self._knowledge(doc)}
        record["is_pruefraster"] = int(doc["id"]) % 2 == 0
        record["items"] = [
            {"text": text[:500], "phase": PHASES[i % len(PHASES)], "required": i % 3 != 0}
            for i, text in enumerate(sentences)
        ]
        return record


def build_records(items: int, seed: int) -> RecordBuilder:
    generator = CorpusGenerator(seed)
    builder = RecordBuilder()
    for number in range(1, items + 1):
        builder.add(generator.document(number))
    return builder


def _content_count(municipality: dict[str, Any]) -> int:
    return sum(1 + len(p.get("reports", [])) for p in municipality["projects"])


def _chunks(builder: RecordBuilder, per_file: int) -> list[dict[str, Any]]:
    """Files of about ``per_file`` content records, whole municipalities each, knowledge pages
    spread evenly; then the references between records, each to a project of the same or an
    earlier file, so that importing the files one by one, in order, always succeeds."""
    chunks: list[dict[str, Any]] = []
    filled = per_file
    for municipality in builder.municipalities.values():
        if filled >= per_file:
            chunks.append({"format": "smart-city-exchange", "version": 1, "municipalities": []})
            filled = 0
        chunks[-1]["municipalities"].append(municipality)
        filled += _content_count(municipality)
    chunks = chunks or [{"format": "smart-city-exchange", "version": 1, "municipalities": []}]
    for i, chunk in enumerate(chunks):
        chunk["guides"] = builder.guides[i :: len(chunks)]
        chunk["checklists"] = builder.checklists[i :: len(chunks)]
    known: list[str] = []
    for chunk in chunks:
        projects = [p for m in chunk["municipalities"] for p in m["projects"]]
        for number, project in enumerate(projects, start=len(known) + 1):
            # Every 25th project names an earlier one as its origin: the importer's second phase links them.
            if number % 25 == 0 and known:
                source = known[number % len(known)]
                project["adapted_from"] = [{"project": source, "note": "Auf unsere Gemeinde angepasst."}]
        known += [p["id"] for p in projects]
        for n, guide in enumerate(chunk["guides"]):
            if known:
                example = known[(n * 7919) % len(known)]
                guide["example_projects"] = [{"project": example, "note": "Ein Beispiel aus der Praxis."}]
    return chunks


def _counts(chunk: dict[str, Any]) -> dict[str, int]:
    municipalities = chunk["municipalities"]
    projects = [p for m in municipalities for p in m["projects"]]
    return {
        "municipalities": len(municipalities),
        "projects": len(projects),
        "reports": sum(len(p.get("reports", [])) for p in projects),
        "guides": len(chunk["guides"]),
        "checklists": len(chunk["checklists"]),
    }


def write_exchange_files(items: int, directory: Path, seed: int, per_file: int = ITEMS_PER_FILE) -> list[ExchangeFile]:
    """``items`` content records (projects, reports, guides, checklists) and the municipalities
    they belong to, in files of about ``per_file`` content records each (see ``_chunks``)."""
    builder = build_records(items, seed)
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for i, chunk in enumerate(_chunks(builder, per_file), start=1):
        path = directory / f"inhalte-{i:03d}.json"
        path.write_text(json.dumps(chunk, ensure_ascii=False), encoding="utf-8")
        files.append(ExchangeFile(path, _counts(chunk)))
    return files


def schema_errors(path: Path, limit: int = 5) -> list[str]:
    """The first ``limit`` problems of ``path`` against the published JSON schema (none: valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for error in validator.iter_errors(data):
        problems.append(f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:200]}")
        if len(problems) >= limit:
            break
    return problems
