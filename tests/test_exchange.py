import json

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from cms.exchange.exporter import export_to
from cms.exchange.importer import ImportFailed, import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from tests.factories import bundle, sample_municipalities, write_bundle

pytestmark = pytest.mark.django_db


def page_counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (MunicipalityPage, ProjectPage, ExperienceReportPage, EvaluationReportPage, GuidePage, ChecklistPage)
    } | {"pages": Page.objects.count()}


def test_import_creates_published_pages_with_all_fields(site, exchange_dir):
    stats = import_files([write_bundle(exchange_dir, bundle())])
    assert stats.created == {
        "Kommunen": 1,
        "Projekte": 1,
        "Evaluationsberichte": 1,
        "Erfahrungsberichte": 1,
        "Leitfäden": 1,
        "Checklisten": 1,
    }
    project = ProjectPage.objects.get(external_id="projekt-test-laternen")
    assert project.live and project.is_demo
    assert project.lead_municipality.name == "Bad Endorf"
    assert [m.name for m in project.partner_municipalities.all()] == ["Boppard"]
    assert sorted(g.code for g in project.guidelines.all()) == ["1.2", "3.3"]
    assert str(project.running_costs_eur_per_year) == "4500.50"
    assert sorted(t.name for t in project.tags.all()) == ["LoRaWAN", "Straßenbeleuchtung"]
    assert project.attachments.get().document.title == "Projektbericht"
    assert project.gallery_images.get().alt_text == "LED-Laterne mit Funkknoten"
    assert [b.block_type for b in project.body] == ["heading", "paragraph", "facts"]
    evaluation = EvaluationReportPage.objects.get()
    assert evaluation.get_parent().specific == project
    assert "Laternenfernwartung" in evaluation.pdf_text  # extracted from the PDF with pypdf
    assert evaluation.indicators.get().attained is True  # target 200 below baseline 310, measured 183
    checklist = ChecklistPage.objects.get()
    assert [b.value["guidelines"] for b in checklist.items] == [["3.3"], ["3.2"]]
    assert GuidePage.objects.get().example_projects.get().project.specific == project


def _references() -> set[tuple]:
    from wagtail.models import ReferenceIndex

    return set(
        ReferenceIndex.objects.values_list(
            "content_type_id", "object_id", "to_content_type_id", "to_object_id", "model_path", "content_path"
        )
    )


def test_import_leaves_the_reference_index_as_a_full_rebuild_would(site, exchange_dir):
    """The import updates Wagtail's reference index once per saved object at the end instead of on
    every save; the result must be what Wagtail's own rebuild computes from the same pages."""
    import_files([write_bundle(exchange_dir, bundle())])
    data = bundle()
    data["municipalities"][0]["projects"][0]["documents"] = []  # an update drops a reference
    import_files([write_bundle(exchange_dir, data)])
    imported = _references()
    project = ProjectPage.objects.get(external_id="projekt-test-laternen")
    guide = GuidePage.objects.get()
    assert any(row[1] == str(guide.pk) and row[3] == str(project.pk) for row in imported)
    assert any(row[1] == str(project.pk) and "gallery_images" in row[4] for row in imported)
    assert not any(row[1] == str(project.pk) and "attachments" in row[4] for row in imported)
    call_command("rebuild_references_index", verbosity=0)
    assert _references() == imported


def test_reimport_updates_and_never_duplicates(site, exchange_dir):
    path = write_bundle(exchange_dir, bundle())
    import_files([path])
    before = page_counts()
    data = bundle()
    data["municipalities"][0]["projects"][0]["title"] = "Fernwartung der Straßenbeleuchtung (aktualisiert)"
    data["municipalities"][0]["projects"][0]["tags"] = ["Licht"]
    stats = import_files([write_bundle(exchange_dir, data)])
    assert page_counts() == before
    assert stats.created == {} and stats.updated["Projekte"] == 1
    project = ProjectPage.objects.get(external_id="projekt-test-laternen")
    assert project.title.endswith("(aktualisiert)")
    assert [t.name for t in project.tags.all()] == ["Licht"]


def test_records_without_slug_get_free_slugs_under_their_parent(site, exchange_dir):
    """Two municipalities of the same name (Quickborn, Kreis Pinneberg and Dithmarschen) and two
    projects of the same title: each gets a free slug instead of failing the whole import."""
    data = bundle()
    project = data["municipalities"][0]["projects"][0]
    twin = {**project, "id": "projekt-test-laternen-2", "reports": []}
    data["municipalities"][0]["projects"].append(twin)
    data["municipalities"] += [
        {"id": f"kommune-{ags}", "ags": ags, "demo": True, "projects": []} for ags in ("01051089", "01056041")
    ]
    sample_municipalities(["01051089", "01056041"])
    import_files([write_bundle(exchange_dir, data)])
    quickborn = MunicipalityPage.objects.filter(municipality__name="Quickborn").order_by("municipality__ags")
    assert [p.slug for p in quickborn] == ["quickborn", "quickborn-1"]
    slugs = set(
        ProjectPage.objects.filter(external_id__startswith="projekt-test-laternen").values_list("slug", flat=True)
    )
    assert len(slugs) == 2


def test_export_import_export_is_identical(site, exchange_dir, tmp_path):
    import_files([write_bundle(exchange_dir, bundle())])
    first_dir = tmp_path / "export1"
    first_dir.mkdir()
    first = export_to(first_dir / "export.json")
    # Wipe the content, import the export into the empty site, export again.
    for page in MunicipalityPage.objects.all():
        page.delete()
    GuidePage.objects.all().delete()
    ChecklistPage.objects.all().delete()
    assert ProjectPage.objects.count() == 0
    import_files([first_dir / "export.json"])
    second_dir = tmp_path / "export2"
    second_dir.mkdir()
    second = export_to(second_dir / "export.json")
    assert (first_dir / "export.json").read_bytes() == (second_dir / "export.json").read_bytes()
    assert first == second
    project = first["municipalities"][0]["projects"][0]
    assert project["budget_eur"] == 180000 and project["running_costs_eur_per_year"] == 4500.5
    evaluation = next(r for r in project["reports"] if r["type"] == "evaluation")
    assert evaluation["indicators"][0]["measured"] == 183
    assert sorted(p.name for p in (second_dir / "files").iterdir()) == sorted(
        p.name for p in (first_dir / "files").iterdir()
    )


def errors_for(exchange_dir, data) -> list[tuple[str, str, str]]:
    before = page_counts()
    with pytest.raises(ImportFailed) as exc:
        import_files([write_bundle(exchange_dir, data)])
    assert page_counts() == before, "a failed import must change nothing"
    return [(p.record, p.field, p.message) for p in exc.value.problems]


def test_one_bad_record_imports_nothing_and_names_record_and_field(site, exchange_dir):
    data = bundle()
    second = json.loads(json.dumps(data["municipalities"][0]["projects"][0]))
    second["id"] = "projekt-test-zwei"
    second["slug"] = "zwei"
    second["end_date"] = "2020-01-01"  # before the start
    for report in second["reports"]:
        report["id"] += "-zwei"
    data["municipalities"][0]["projects"].append(second)
    errors = errors_for(exchange_dir, data)
    assert errors == [("projekt-test-zwei", "end_date", "Das Ende (2020-01-01) liegt vor dem Beginn (2021-04-01)")]
    assert ProjectPage.objects.count() == 0


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda p: p.update(budget_eur=-5), ("projekt-test-laternen", "budget_eur", "nicht kleiner als 0")),
        (lambda p: p.update(guidelines=["3.3", "5.1"]), ("projekt-test-laternen", "guidelines.1", "Format")),
        (
            lambda p: p.update(leitbild=["unbekannt"]),
            ("projekt-test-laternen", "leitbild", "Unbekannter Code „unbekannt“"),
        ),
        (
            lambda p: p.update(partner_municipalities=["09999999"]),
            ("projekt-test-laternen", "partner_municipalities", "09999999"),
        ),
        (
            lambda p: p.update(repository_url="htp:/kaputt"),
            ("projekt-test-laternen", "repository_url", "keine gültige Web-Adresse"),
        ),
        (lambda p: p.update(status="fertig"), ("projekt-test-laternen", "status", "Unbekannter Wert „fertig“")),
        (
            lambda p: p.update(funding_eur=999999),
            ("projekt-test-laternen", "funding_eur", "übersteigen das Gesamtbudget"),
        ),
        (
            lambda p: p.update(documents=[{"file": "files/fehlt.pdf"}]),
            ("projekt-test-laternen", "documents.0.file", "nicht gefunden"),
        ),
        (
            lambda p: p.update(documents=[{"file": "../geheim.pdf"}]),
            ("projekt-test-laternen", "documents.0.file", "herausführen"),
        ),
        (
            lambda p: p.update(contact={"email": "keine-adresse"}),
            ("projekt-test-laternen", "contact.email", "keine gültige E-Mail"),
        ),
        (lambda p: p.pop("summary"), ("projekt-test-laternen", "summary", "Pflichtfeld fehlt: summary")),
        (lambda p: p.update(farbe="blau"), ("projekt-test-laternen", "", "Unbekanntes Feld: farbe")),
        (lambda p: p["reports"][1].update(indicators=[]), ("bericht-test-erfahrung", "", "nicht zulässig")),
        (
            lambda p: p["reports"][0].update(pdf={"file": "files/foto.png"}),
            ("bericht-test-evaluation", "pdf.file", "keine PDF-Datei"),
        ),
        (
            lambda p: p.update(body=[{"type": "heading", "value": {"text": "", "level": "h2"}}]),
            ("projekt-test-laternen", "body", "Ungültiger Inhalt"),
        ),
    ],
)
def test_invalid_project_fields_are_reported(site, exchange_dir, mutate, expected):
    data = bundle()
    mutate(data["municipalities"][0]["projects"][0])
    errors = errors_for(exchange_dir, data)
    record, field, fragment = expected
    assert any(r == record and f == field and fragment in m for r, f, m in errors), errors


def test_unknown_ags_duplicate_ids_and_unknown_example_project(site, exchange_dir):
    data = bundle()
    data["municipalities"][0]["ags"] = "09999999"
    data["checklists"][0]["id"] = "leitfaden-test"
    data["guides"][0]["example_projects"] = [{"project": "projekt-gibt-es-nicht"}]
    errors = errors_for(exchange_dir, data)
    assert ("kommune-09187128", "ags", "Keine Gemeinde mit dem AGS „09999999“ im Gemeindeverzeichnis") in errors
    assert any(r == "leitfaden-test" and f == "id" and "mehrfach" in m for r, f, m in errors)
    assert any(f == "example_projects.0.project" and "projekt-gibt-es-nicht" in m for _, f, m in errors)


def test_checklist_item_with_unknown_code(site, exchange_dir):
    data = bundle()
    data["checklists"][0]["items"][0]["guidelines"] = ["3.9"]
    errors = errors_for(exchange_dir, data)
    assert any(r == "checkliste-test" and f == "items.0.guidelines.0" for r, f, _ in errors), errors


def test_broken_json_and_wrong_format(site, tmp_path):
    broken = tmp_path / "kaputt.json"
    broken.write_text('{"format": "smart-city-exchange", ', encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_files([broken])
    assert "Kein gültiges JSON (Zeile 1" in exc.value.problems[0].message
    wrong = write_bundle(tmp_path, {"format": "anderes", "version": 2})
    with pytest.raises(ImportFailed) as exc:
        import_files([wrong])
    assert {p.field for p in exc.value.problems} == {"format", "version"}


def test_model_level_error_rolls_back_everything(site, exchange_dir):
    """A slug clash is only found by Wagtail when writing; earlier writes must be undone."""
    data = bundle()
    second = json.loads(json.dumps(data["municipalities"][0]["projects"][0]))
    data["municipalities"][0]["projects"][0]["slug"] = "laternen"
    second.update(id="projekt-test-zwei", reports=[], slug="laternen")
    data["municipalities"][0]["projects"].append(second)  # the same explicit slug under the same parent
    errors = errors_for(exchange_dir, data)
    assert any(r == "projekt-test-zwei" and f == "slug" for r, f, _ in errors), errors


def test_management_commands_report_errors_in_german(site, exchange_dir, capsys):
    data = bundle()
    data["municipalities"][0]["projects"][0]["end_date"] = "2020-01-01"
    path = write_bundle(exchange_dir, data)
    with pytest.raises(CommandError, match="nichts wurde geändert: 1 Fehler"):
        call_command("import_content", str(path))
    assert "Datensatz „projekt-test-laternen“, Feld „end_date“" in capsys.readouterr().err
    call_command("import_content", str(write_bundle(exchange_dir, bundle())))
    out = exchange_dir / "out.json"
    call_command("export_content", str(out))
    assert (
        json.loads(out.read_text(encoding="utf-8"))["municipalities"][0]["projects"][0]["id"] == "projekt-test-laternen"
    )
