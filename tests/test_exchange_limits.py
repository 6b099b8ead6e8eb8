"""Exchange import: limits (size, depth, lengths, characters), one-pass reporting, partial records."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from cms.core.blocks import GuideSectionBlock
from cms.core.models import PlatformPage
from cms.exchange.importer import ImportFailed, import_files
from cms.exchange.validation import MAX_NESTING_DEPTH, schema
from cms.knowledge.models import ChecklistItemBlock, ChecklistPage, GuideExampleProject, GuidePage
from cms.projects.models import (
    EvaluationReportPage,
    ExperienceReportPage,
    Indicator,
    MunicipalityPage,
    ProjectAttachment,
    ProjectDataset,
    ProjectImage,
    ProjectPage,
)
from registry.models import ActionField, ActorGroup, LeitbildAttribute
from tests.factories import PROJECT, bundle, write_bundle

pytestmark = pytest.mark.django_db

PROJECT_ID = PROJECT["id"]


def page_counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (MunicipalityPage, ProjectPage, ExperienceReportPage, EvaluationReportPage, GuidePage, ChecklistPage)
    } | {"pages": Page.objects.count()}


def problems_for(path) -> list:
    before = page_counts()
    with pytest.raises(ImportFailed) as exc:
        import_files([path])
    assert page_counts() == before, "a failed import must change nothing"
    return exc.value.problems


def errors_for(exchange_dir, data) -> list[tuple[str, str, str]]:
    return [(p.record, p.field, p.message) for p in problems_for(write_bundle(exchange_dir, data))]


def update(*municipality_projects: dict, **sections) -> dict:
    """An exchange file carrying only partial records: the municipality of ``bundle()`` by id and AGS."""
    data = {"format": "smart-city-exchange", "version": 1}
    if municipality_projects:
        data["municipalities"] = [
            {"id": "kommune-09187128", "ags": "09187128", "projects": list(municipality_projects)}
        ]
    return data | sections


# -- limits ------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_before_parsing(site, exchange_dir):
    path = write_bundle(exchange_dir, bundle())
    with override_settings(EXCHANGE_MAX_FILE_BYTES=path.stat().st_size - 1):
        problems = problems_for(path)
    assert [(p.source, p.record, p.field) for p in problems] == [("import.json", "", "")]
    assert "Die Datei ist zu groß" in problems[0].message
    assert "import.json: Datei: Die Datei ist zu groß" in str(problems[0])
    # Not even parsed: broken JSON over the limit is reported as too big, not as broken.
    broken = exchange_dir / "kaputt.json"
    broken.write_text("{" * 50, encoding="utf-8")
    with override_settings(EXCHANGE_MAX_FILE_BYTES=49):
        assert "zu groß" in problems_for(broken)[0].message
    # At the limit, the file imports.
    with override_settings(EXCHANGE_MAX_FILE_BYTES=path.stat().st_size):
        import_files([path])
    assert ProjectPage.objects.filter(external_id=PROJECT_ID).exists()


def test_deeply_nested_json_is_a_problem_not_a_recursion_error(site, tmp_path):
    path = tmp_path / "tief.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    problems = problems_for(path)
    assert len(problems) == 1 and problems[0].source == "tief.json"
    assert "zu tief verschachtelt" in problems[0].message
    with pytest.raises(CommandError, match="nichts wurde geändert: 1 Fehler"):
        call_command("import_content", str(path))


def test_nesting_the_decoder_accepts_is_still_limited_and_located(site, exchange_dir):
    """A few hundred levels parse fine, but the schema check would recurse through them."""
    data = bundle()
    value: list = []
    for _ in range(300):
        value = [value]
    data["municipalities"][0]["projects"][0]["body"] = [{"type": "facts", "value": value}]
    errors = errors_for(exchange_dir, data)
    assert len(errors) == 1, errors
    record, field, message = errors[0]
    assert record == PROJECT_ID and field.startswith("body.0.value.0")
    assert f"höchstens {MAX_NESTING_DEPTH} Ebenen" in message


@pytest.mark.parametrize("error", [RecursionError, MemoryError])
def test_recursion_and_memory_errors_never_escape_the_import(site, exchange_dir, monkeypatch, error):
    """The limits keep both out of reach; this is the net below them."""

    def exhausted(*args, **kwargs):
        raise error

    monkeypatch.setattr("cms.exchange.importer.validate_bundles", exhausted)
    path = write_bundle(exchange_dir, bundle())
    problems = problems_for(path)
    assert [(p.source, p.record) for p in problems] == [("import.json", "")]
    assert "zu groß oder zu tief verschachtelt" in problems[0].message
    with pytest.raises(CommandError, match="nichts wurde geändert"):
        call_command("import_content", str(path))


@pytest.mark.parametrize(
    "mutate,record,field",
    [
        (lambda p: p.update(title="Fernwartung\x00"), PROJECT_ID, "title"),
        (
            lambda p: p["reports"][0].update(findings="<p>Strom\x1b[2J gespart</p>"),
            "bericht-test-evaluation",
            "findings",
        ),
        (lambda p: p["datasets"][0].update(license="dl\x7fde"), PROJECT_ID, "datasets.0.license"),
        (lambda p: p.update(summary="Lone surrogate \ud800"), PROJECT_ID, "summary"),
    ],
)
def test_control_characters_are_refused_naming_record_and_field(site, exchange_dir, mutate, record, field):
    data = bundle()
    mutate(data["municipalities"][0]["projects"][0])
    path = exchange_dir / "import.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # as \u escapes, the way JSON carries them
    errors = [(p.record, p.field, p.message) for p in problems_for(path)]
    assert any(r == record and f == field and "Steuerzeichen" in m for r, f, m in errors), errors


def test_tabs_and_line_breaks_are_allowed(site, exchange_dir):
    data = bundle()
    data["municipalities"][0]["projects"][0]["lessons_learned"] = "Erstens:\tGeduld.\r\nZweitens:\tTests."
    import_files([write_bundle(exchange_dir, data)])
    assert ProjectPage.objects.get(external_id=PROJECT_ID).lessons_learned.endswith("Zweitens:\tTests.")


@pytest.mark.parametrize(
    "mutate,record,field,fragment",
    [
        (lambda p: p.update(title="x" * 256), PROJECT_ID, "title", "höchstens 255 Zeichen"),
        (lambda p: p.update(summary="x" * 601), PROJECT_ID, "summary", "höchstens 600 Zeichen"),
        (lambda p: p.update(problem="<p>" + "x" * 30_000 + "</p>"), PROJECT_ID, "problem", "zu lang"),
        (
            lambda p: p.update(body=[{"type": "paragraph", "value": "<p>" + "x" * 10_000 + "</p>"}]),
            PROJECT_ID,
            "body.0.value",
            "zu lang",
        ),
        (
            lambda p: p["reports"][0]["indicators"][0].update(unit="x" * 51),
            "bericht-test-evaluation",
            "indicators.0.unit",
            "höchstens 50 Zeichen",
        ),
        (lambda p: p.update(tags=[f"t{i}" for i in range(51)]), PROJECT_ID, "tags", "höchstens 50 Einträge"),
        (
            lambda p: p.update(repository_url="https://example.org/" + "x" * 200),
            PROJECT_ID,
            "repository_url",
            "zu lang",
        ),
    ],
)
def test_over_long_fields_are_refused_naming_record_and_field(site, exchange_dir, mutate, record, field, fragment):
    data = bundle()
    mutate(data["municipalities"][0]["projects"][0])
    errors = errors_for(exchange_dir, data)
    assert any(r == record and f == field and fragment in m for r, f, m in errors), errors


def test_not_a_number_and_impossible_dates_are_problems(site, exchange_dir):
    path = exchange_dir / "nan.json"
    path.write_text(json.dumps(bundle()).replace('"budget_eur": 180000', '"budget_eur": NaN'), encoding="utf-8")
    assert "Kein gültiges JSON" in problems_for(path)[0].message
    data = bundle()
    data["municipalities"][0]["projects"][0]["start_date"] = "2021-02-30"
    errors = errors_for(exchange_dir, data)
    assert (PROJECT_ID, "start_date", "„2021-02-30“ ist kein gültiges Datum") in errors


def test_schema_errors_and_unknown_codes_are_reported_in_one_run(site, exchange_dir):
    data = bundle()
    project = data["municipalities"][0]["projects"][0]
    project.update(status="fertig", leitbild=["unbekannt"], actors=["niemand"], farbe="blau")
    data["guides"][0]["guidelines"] = [7]  # wrong type: the code check skips it, the schema names it
    data["checklists"][0]["items"][0]["guidelines"] = ["9.9"]
    errors = errors_for(exchange_dir, data)
    assert (
        PROJECT_ID,
        "status",
        "Unbekannter Wert „fertig“; erlaubt sind: "
        + ", ".join(["idee", "planung", "pilot", "regelbetrieb", "uebertragen", "beendet", "abgebrochen"]),
    ) in errors
    assert (PROJECT_ID, "", "Unbekanntes Feld: farbe") in errors
    assert (PROJECT_ID, "leitbild", "Unbekannter Code „unbekannt“") in errors
    assert (PROJECT_ID, "actors", "Unbekannter Code „niemand“") in errors
    assert any(r == "leitfaden-test" and f == "guidelines.0" and "Falscher Typ" in m for r, f, m in errors)
    assert any(r == "checkliste-test" and f == "items.0.guidelines" and "9.9" in m for r, f, m in errors)


def test_malformed_records_do_not_crash_the_record_checks(site, exchange_dir):
    data = bundle()
    data["municipalities"].append("kein Objekt")
    data["municipalities"][0]["projects"][0].update(
        partner_municipalities=5, contact="niemand", datasets=[3], documents=[{"file": 7}], body={"x": 1}
    )
    data["guides"][0]["example_projects"] = [{"project": ["a"]}]
    errors = errors_for(exchange_dir, data)
    assert {f for r, f, m in errors if r == PROJECT_ID} >= {
        "partner_municipalities",
        "contact",
        "datasets.0",
        "documents.0.file",
        "body",
    }


def test_schema_lengths_match_the_model_fields():
    """One limit per concept: where the model has a max_length, the schema uses exactly that."""

    def node(path: str) -> dict:
        current = schema()
        for name in path.split("."):
            current = current["properties"][name]
            while "items" in current or "oneOf" in current:
                current = current["items"] if "items" in current else current["oneOf"][0]
        return current

    def length(model, name: str) -> int:
        return model._meta.get_field(name).max_length

    pairs = {
        "municipalities.id": length(PlatformPage, "external_id"),
        "municipalities.title": length(Page, "title"),
        "municipalities.slug": length(Page, "slug"),
        "municipalities.smart_city_unit": length(MunicipalityPage, "smart_city_unit"),
        "municipalities.projects.id": length(PlatformPage, "external_id"),
        "municipalities.projects.title": length(Page, "title"),
        "municipalities.projects.summary": length(ProjectPage, "summary"),
        "municipalities.projects.funding_programme": length(ProjectPage, "funding_programme"),
        "municipalities.projects.open_source_license": length(ProjectPage, "open_source_license"),
        "municipalities.projects.repository_url": length(ProjectPage, "repository_url"),
        "municipalities.projects.leitbild": length(LeitbildAttribute, "code"),
        "municipalities.projects.actors": length(ActorGroup, "code"),
        "municipalities.projects.action_fields": length(ActionField, "code"),
        "municipalities.projects.contact.role": length(ProjectPage, "contact_role"),
        "municipalities.projects.contact.name": length(ProjectPage, "contact_name"),
        "municipalities.projects.contact.email": length(ProjectPage, "contact_email"),
        "municipalities.projects.datasets.title": length(ProjectDataset, "title"),
        "municipalities.projects.datasets.url": length(ProjectDataset, "url"),
        "municipalities.projects.datasets.license": length(ProjectDataset, "license"),
        "municipalities.projects.images.title": length(get_image_model(), "title"),
        "municipalities.projects.images.alt_text": length(ProjectImage, "alt_text"),
        "municipalities.projects.images.caption": length(ProjectImage, "caption"),
        "municipalities.projects.documents.title": length(ProjectAttachment, "title"),
        "municipalities.projects.reports.id": length(PlatformPage, "external_id"),
        "municipalities.projects.reports.title": length(Page, "title"),
        "municipalities.projects.reports.author_organisation": length(EvaluationReportPage, "author_organisation"),
        "municipalities.projects.reports.pdf.title": length(get_document_model(), "title"),
        "municipalities.projects.reports.indicators.name": length(Indicator, "name"),
        "municipalities.projects.reports.indicators.unit": length(Indicator, "unit"),
        "guides.title": length(Page, "title"),
        "guides.author_organisation": length(GuidePage, "author_organisation"),
        "guides.sections.heading": GuideSectionBlock().child_blocks["heading"].field.max_length,
        "guides.example_projects.note": length(GuideExampleProject, "note"),
        "checklists.title": length(Page, "title"),
        "checklists.author_organisation": length(ChecklistPage, "author_organisation"),
        "checklists.items.text": ChecklistItemBlock().child_blocks["text"].field.max_length,
    }
    mismatches = {path: (node(path).get("maxLength"), expected) for path, expected in pairs.items()}
    assert {p: v for p, v in mismatches.items() if v[0] != v[1]} == {}


def test_every_string_and_list_in_the_schema_is_bounded():
    unbounded = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
            if "string" in types and "maxLength" not in node:
                unbounded.append(path)
            if "array" in types and "maxItems" not in node:
                unbounded.append(path)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema(), "")
    assert unbounded == []
    free = schema()["$defs"]["blockValue"]  # content block values, whatever their shape
    assert {"maxLength", "maxItems", "maxProperties"} <= set(free)


# -- partial records ---------------------------------------------------------------------


@pytest.mark.parametrize("municipality_id", ["kommune-09187128", "kommune-09187128-lieferant"])
def test_municipality_with_only_id_and_ags_keeps_the_page_and_adds_the_project(site, exchange_dir, municipality_id):
    """The supplier's case: send the municipality by id and AGS plus one new project."""
    import_files([write_bundle(exchange_dir, bundle())])
    page = MunicipalityPage.objects.get()
    assert page.intro and page.smart_city_unit == "Bauamt"
    title, slug = page.title, page.slug
    new_project = {"id": "projekt-neu", "title": "Neues Projekt", "summary": "Kurz.", "status": "idee"}
    data = update(new_project)
    data["municipalities"][0]["id"] = municipality_id
    stats = import_files([write_bundle(exchange_dir, data)])
    page = MunicipalityPage.objects.get()
    assert page.intro == "<p>Eine Kleinstadt im Inntal.</p>"
    assert page.smart_city_unit == "Bauamt"
    assert (page.title, page.slug, page.is_demo) == (title, slug, True)
    assert stats.created == {"Projekte": 1}
    assert ProjectPage.objects.get(external_id="projekt-neu").get_parent().specific == page
    assert ProjectPage.objects.get(external_id=PROJECT_ID).summary == PROJECT["summary"]  # not in the file: untouched


def test_project_record_with_only_its_id_keeps_everything(site, exchange_dir):
    source = copy.deepcopy(PROJECT) | {"id": "projekt-vorbild", "slug": "vorbild", "reports": []}
    full = bundle()
    full["municipalities"][0]["projects"].insert(0, source)
    full["municipalities"][0]["projects"][1]["adapted_from"] = [{"project": "projekt-vorbild", "note": "Kopiert"}]
    import_files([write_bundle(exchange_dir, full)])
    before = ProjectPage.objects.get(external_id=PROJECT_ID)
    revision = before.latest_revision_id
    import_files([write_bundle(exchange_dir, update({"id": PROJECT_ID}))])
    after = ProjectPage.objects.get(external_id=PROJECT_ID)
    assert after.latest_revision_id != revision  # it was written, not skipped
    for name in ("title", "summary", "problem", "status", "start_date", "budget_eur", "contact_email", "is_demo"):
        assert getattr(after, name) == getattr(before, name), name
    assert sorted(t.name for t in after.tags.all()) == ["LoRaWAN", "Straßenbeleuchtung"]
    assert [m.ags for m in after.partner_municipalities.all()] == ["07140501"]
    assert sorted(g.code for g in after.guidelines.all()) == ["1.2", "3.3"]
    assert after.gallery_images.count() == 1 and after.attachments.count() == 1 and after.datasets.count() == 1
    assert [b.block_type for b in after.body] == ["heading", "paragraph", "facts"]
    assert [a.source.external_id for a in after.adapted_from.all()] == ["projekt-vorbild"]
    # Reports are left out too: both stay, with their indicators, PDF and assessment.
    evaluation = EvaluationReportPage.objects.get(external_id="bericht-test-evaluation")
    assert evaluation.get_parent().pk == after.pk and ExperienceReportPage.objects.count() == 1
    assert evaluation.indicators.count() == 1 and evaluation.pdf is not None
    assert evaluation.goal_attainment == "erreicht"


def test_report_guide_and_checklist_records_with_only_an_id_keep_everything(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])
    data = update(
        {"id": PROJECT_ID, "reports": [{"id": "bericht-test-evaluation", "title": "Evaluation, überarbeitet"}]},
        guides=[{"id": "leitfaden-test"}],
        checklists=[{"id": "checkliste-test", "is_pruefraster": True}],
    )
    import_files([write_bundle(exchange_dir, data)])
    evaluation = EvaluationReportPage.objects.get(external_id="bericht-test-evaluation")
    assert evaluation.title == "Evaluation, überarbeitet"
    assert evaluation.method.startswith("Vergleich") and evaluation.goal_attainment == "erreicht"
    assert evaluation.indicators.get().measured == 183 and "Laternenfernwartung" in evaluation.pdf_text
    guide = GuidePage.objects.get()
    assert guide.intro.startswith("Wie man") and len(guide.sections) == 1
    assert [g.code for g in guide.guidelines.all()] == ["3.3"] and guide.example_projects.count() == 1
    checklist = ChecklistPage.objects.get()
    assert checklist.is_pruefraster and len(checklist.items) == 2 and checklist.intro == "Vor dem Start prüfen."


def test_explicit_null_and_empty_values_clear(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])
    project = {
        "id": PROJECT_ID,
        "end_date": None,
        "funding_eur": None,
        "funding_programme": "",
        "images": [],
        "tags": [],
        "contact": {"email": ""},
        "reports": [{"id": "bericht-test-evaluation", "pdf": None, "indicators": []}],
    }
    import_files([write_bundle(exchange_dir, update(project))])
    page = ProjectPage.objects.get(external_id=PROJECT_ID)
    assert page.end_date is None and page.funding_eur is None and page.funding_programme == ""
    assert page.gallery_images.count() == 0 and page.tags.count() == 0
    assert page.contact_email == "" and page.contact_name == "Erika Beispiel"  # only the named part of contact
    assert page.attachments.count() == 1 and page.budget_eur == 180000  # not named: kept
    evaluation = EvaluationReportPage.objects.get(external_id="bericht-test-evaluation")
    assert evaluation.pdf is None and evaluation.pdf_text == "" and evaluation.indicators.count() == 0


def test_new_pages_still_need_their_required_fields(site, exchange_dir):
    data = update(
        {"id": "projekt-ohne-titel", "summary": "Kurz.", "status": "idee", "reports": [{"id": "bericht-ohne-typ"}]},
        guides=[{"id": "leitfaden-ohne-abschnitte", "title": "Leitfaden", "intro": "Worum es geht."}],
    )
    errors = errors_for(exchange_dir, data)
    assert ("projekt-ohne-titel", "title") in {(r, f) for r, f, _ in errors}
    for field in ("type", "title", "date", "author_organisation", "findings"):
        assert any(r == "bericht-ohne-typ" and f == field and "Pflichtfeld fehlt" in m for r, f, m in errors), field
    assert any(r == "leitfaden-ohne-abschnitte" and f == "sections" for r, f, _ in errors), errors


def test_partial_update_is_checked_against_the_stored_values(site, exchange_dir):
    """Funding above the stored budget is as wrong as funding above a budget in the same record."""
    import_files([write_bundle(exchange_dir, bundle())])
    errors = errors_for(exchange_dir, update({"id": PROJECT_ID, "funding_eur": 999_999}))
    assert errors == [(PROJECT_ID, "funding_eur", "Die Fördermittel übersteigen das Gesamtbudget")]
    errors = errors_for(exchange_dir, update({"id": PROJECT_ID, "start_date": "2024-01-01"}))
    assert errors == [(PROJECT_ID, "end_date", "Das Ende (2023-03-31) liegt vor dem Beginn (2024-01-01)")]
    data = update({"id": PROJECT_ID, "reports": [{"id": "bericht-test-erfahrung", "indicators": []}]})
    errors = errors_for(exchange_dir, data)
    assert [(r, f) for r, f, _ in errors] == [("bericht-test-erfahrung", "indicators")]


def test_a_failing_record_keeps_valid_updates_in_the_same_import_from_being_written(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])
    data = update({"id": PROJECT_ID, "title": "Neuer Titel"}, guides=[{"id": "leitfaden-test", "guidelines": ["9.9"]}])
    errors = errors_for(exchange_dir, data)
    assert {r for r, _f, _m in errors} == {"leitfaden-test"}
    assert ProjectPage.objects.get(external_id=PROJECT_ID).title == PROJECT["title"]
