"""Rich text is sanitised on every way in: the sanitiser, the model fields, the import, stored data."""

import importlib
import json
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Revision

from cms.core.blocks import RICH_TEXT_FEATURES
from cms.core.fields import SanitizedRichTextField, SanitizedStreamField
from cms.core.sanitize import allow_list, sanitize_html, sanitize_stored_rich_text
from cms.exchange.exporter import export_to
from cms.exchange.importer import import_files
from cms.exchange.validation import ImportProblem
from cms.knowledge.models import GuidePage
from cms.projects.models import EvaluationReportPage, MunicipalityPage, ProjectPage
from search.documents import all_documents
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from tests.factories import bundle, write_bundle

PAYLOAD = '<p>ok</p><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
MARKERS = ("<script", "onerror", "javascript:", "alert(")


# The site's own scripts, loaded from static files, are not content; anything else called <script is.
OWN_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="/static/[^"]*"[^>]*>\s*</script>')
# The project page's schema.org block (cms/projects/jsonld.py): a data block, never executed. Its
# tags are the site's own; its text is still checked (the JSON escapes "<", so none can appear).
JSON_LD = re.compile(r'<script type="application/ld\+json">([^<]*)</script>')


def assert_clean(text: str) -> None:
    lowered = JSON_LD.sub(r"\1", OWN_SCRIPT.sub("", text)).lower()
    assert not [m for m in MARKERS if m in lowered], [m for m in MARKERS if m in lowered]


# -- the sanitiser ---------------------------------------------------------------------------------


def test_allow_list_is_derived_from_the_editor_features():
    allowed = allow_list(RICH_TEXT_FEATURES)
    assert allowed.tags == {"p", "br", "h3", "h4", "b", "strong", "i", "em", "ol", "ul", "li", "a"}
    assert allowed.attributes["a"] == {"href", "id"}
    assert allowed.attribute_values["a"] == {"linktype": {"page", "document"}}
    assert "data-block-key" in allowed.attributes["p"] and "data-block-key" in allowed.attributes["li"]
    # Other features, other markup: the list follows the features instead of being copied per field.
    with_images = allow_list(["h2", "image"])
    assert {"h2", "embed"} <= with_images.tags and "a" not in with_images.tags
    assert with_images.attribute_values["embed"] == {"embedtype": {"image"}}
    assert with_images.attributes["embed"] == {"id", "format", "alt"}


@pytest.mark.parametrize(
    "dirty,removed",
    [
        ("<p>a</p><script>alert(1)</script>", "<script>"),
        ("<p>a</p><SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<script>"),
        ("<style>p{background:url(javascript:alert(1))}</style><p>a</p>", "<style>"),
        ('<iframe src="https://evil.example"></iframe><p>a</p>', "<iframe>"),
        ('<object data="x.swf"></object><p>a</p>', "<object>"),
        ('<embed src="x.swf"><p>a</p>', "<embed>"),
        ("<img src=x onerror=alert(2)>", "<img>"),
        ("<svg onload=alert(1)><p>a</p></svg>", "<svg>"),
        ('<p onclick="alert(1)">a</p>', "<p onclick>"),
        ('<a href="javascript:alert(3)">x</a>', "<a href>"),
        ('<a href="JaVaScRiPt:alert(3)">x</a>', "<a href>"),
        ('<a href="&#106;avascript:alert(3)">x</a>', "<a href>"),
        ('<a href=" javascript:alert(3)">x</a>', "<a href>"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "<a href>"),
        ('<a href="vbscript:msgbox(1)">x</a>', "<a href>"),
        ('<a linktype="page" id="3" onmouseover="alert(1)">x</a>', "<a onmouseover>"),
        ('<a linktype="javascript" id="3">x</a>', "<a linktype>"),
        ('<p style="background:url(javascript:alert(1))">a</p>', "<p style>"),
    ],
)
def test_dangerous_constructs_are_removed_and_reported(dirty, removed):
    result = sanitize_html(dirty, RICH_TEXT_FEATURES)
    assert_clean(result.html)
    assert not any(tag in result.html.lower() for tag in ("<iframe", "<object", "<embed", "<svg", "<style", "<img"))
    assert not re.search(r"\son\w+\s*=|\sstyle\s*=", result.html, flags=re.IGNORECASE)
    assert removed in result.removed


def test_the_xss_payload_is_reduced_to_its_harmless_text():
    result = sanitize_html(PAYLOAD, RICH_TEXT_FEATURES)
    assert result.html == "<p>ok</p><a>x</a>"
    assert result.removed == ("<script>", "<img>", "<a href>")


@pytest.mark.parametrize(
    "html",
    [
        "<p>Ein Absatz mit Umlauten: Straße, Ärger &amp; Öl.</p>",
        '<p data-block-key="a1b2c">Ein Absatz aus Draftail</p>',
        "<h3>Zwischentitel</h3><h4>Unterabschnitt</h4>",
        "<ul><li>eins</li><li>zwei</li></ul><ol><li>erstens</li></ol>",
        "<p><b>fett</b>, <strong>stark</strong>, <i>kursiv</i>, <em>betont</em></p>",
        '<p><a href="https://example.org/pfad?a=1&amp;b=2">extern</a></p>',
        '<p><a href="http://example.org/">unverschlüsselt</a></p>',
        '<p><a href="mailto:info@example.org">Mail</a> <a href="tel:+49301234567">Telefon</a></p>',
        '<p><a href="/kommunen/bad-endorf/">relativ</a> <a href="#abschnitt">Anker</a></p>',
        '<p>Siehe <a linktype="page" id="3">diese Seite</a>.</p>',
        '<p>Siehe <a linktype="document" id="17">das Dokument</a>.</p>',
    ],
)
def test_allowed_markup_is_kept_byte_for_byte(html):
    result = sanitize_html(html, RICH_TEXT_FEATURES)
    assert result.html == html
    assert result.removed == ()


def test_markup_outside_the_features_is_removed_but_kept_with_features_that_allow_it():
    html = "<h2>Titel</h2><p>Text</p>"
    assert sanitize_html(html, RICH_TEXT_FEATURES).html == "Titel<p>Text</p>"
    assert sanitize_html(html, RICH_TEXT_FEATURES).removed == ("<h2>",)
    assert sanitize_html(html, ["h2"]).html == html


def test_image_embeds_survive_where_the_features_include_images():
    embed = '<embed embedtype="image" id="12" format="left" alt="Ein Bild">'
    assert sanitize_html(f"<p>a</p>{embed}", ["image"]).html == f"<p>a</p>{embed}"
    hostile = '<embed embedtype="image" id="12" src="javascript:alert(1)"><embed embedtype="flash" src="x.swf">'
    assert sanitize_html(hostile, ["image"]).html == '<embed embedtype="image" id="12"><embed>'
    assert sanitize_html(f"<p>a</p>{embed}", RICH_TEXT_FEATURES).html == "<p>a</p>"  # no images here


def test_what_the_editor_writes_survives_unchanged(db):
    """Draftail stores HTML through Wagtail's contentstate converter: that output must pass as it is."""
    converter = ContentstateConverter(RICH_TEXT_FEATURES)
    source = (
        "<h3>Titel</h3><p>Mit <b>fett</b>, <i>kursiv</i>, "
        '<a href="https://example.org/?a=1&amp;b=2">extern</a> und <a linktype="page" id="3">intern</a> und '
        '<a linktype="document" id="4">Dokument</a>.</p><ul><li>eins</li></ul><ol><li>zwei</li></ol><h4>Ende</h4>'
    )
    stored = converter.to_database_format(converter.from_database_format(source))
    assert 'data-block-key="' in stored and 'linktype="document"' in stored  # really the editor's format
    assert sanitize_html(stored, RICH_TEXT_FEATURES).html == stored


# -- the model fields ------------------------------------------------------------------------------


def test_every_rich_text_field_of_the_project_sanitises_itself():
    """A RichTextField or StreamField added later without the sanitising subclass fails here."""
    fields = [
        field
        for model in apps.get_models()
        if model.__module__.startswith(("cms.", "registry.", "search."))
        for field in model._meta.local_fields
        if isinstance(field, RichTextField | StreamField)
    ]
    assert len(fields) >= 10
    wrong = [
        f"{field.model.__name__}.{field.name}"
        for field in fields
        if not isinstance(field, SanitizedRichTextField | SanitizedStreamField)
    ]
    assert wrong == []


@pytest.mark.django_db
def test_saving_a_page_sanitises_fields_streams_and_the_revision(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])
    project = ProjectPage.objects.get()
    project.problem = PAYLOAD
    project.body = [
        {"type": "paragraph", "value": PAYLOAD},
        {"type": "callout", "value": {"title": "Achtung", "text": PAYLOAD}},
    ]
    revision = project.save_revision()
    assert_clean(json.dumps(revision.content, default=str))
    revision.publish()
    stored = ProjectPage.objects.get(pk=project.pk)
    assert stored.problem == "<p>ok</p><a>x</a>"
    assert [b.value.source if b.block_type == "paragraph" else b.value["text"].source for b in stored.body] == [
        "<p>ok</p><a>x</a>",
        "<p>ok</p><a>x</a>",
    ]
    guide = GuidePage.objects.get()
    guide.sections = [{"type": "section", "value": {"heading": "H", "body": PAYLOAD}}]
    guide.save()
    assert GuidePage.objects.get(pk=guide.pk).sections[0].value["body"].source == "<p>ok</p><a>x</a>"


# -- the import (the XSS acceptance test) --------------------------------------------------------


def hostile_bundle() -> dict:
    data = bundle()
    data["municipalities"][0]["intro"] = PAYLOAD
    project = data["municipalities"][0]["projects"][0]
    project["problem"] = PAYLOAD
    project["solution"] = PAYLOAD
    project["body"] = [
        {"type": "heading", "value": {"text": "Ablauf", "level": "h2"}},
        {"type": "paragraph", "value": PAYLOAD},
        {"type": "facts", "value": [{"label": "Laternen", "value": "400"}]},
        {"type": "callout", "value": {"title": "Hinweis", "text": PAYLOAD}},
    ]
    project["reports"][0]["findings"] = PAYLOAD
    data["guides"][0]["sections"][0]["body"] = PAYLOAD
    return data


@pytest.fixture
def hostile_import(site, exchange_dir):
    return import_files([write_bundle(exchange_dir, hostile_bundle())])


@pytest.mark.django_db
def test_import_warns_naming_file_record_and_field(hostile_import):
    message = "Nicht erlaubtes HTML entfernt: <script>, <img>, <a href>"
    assert sorted(hostile_import.warnings) == sorted(
        [
            ImportProblem("import.json", "kommune-09187128", "intro", message),
            ImportProblem("import.json", "projekt-test-laternen", "problem", message),
            ImportProblem("import.json", "projekt-test-laternen", "solution", message),
            ImportProblem("import.json", "projekt-test-laternen", "body.1", message),
            ImportProblem("import.json", "projekt-test-laternen", "body.3.text", message),
            ImportProblem("import.json", "bericht-test-evaluation", "findings", message),
            ImportProblem("import.json", "leitfaden-test", "sections.0.body", message),
        ]
    )
    assert hostile_import.created["Projekte"] == 1  # a warning, not a failure
    project = ProjectPage.objects.get()
    assert project.problem == project.solution == "<p>ok</p><a>x</a>"


@pytest.mark.django_db
def test_clean_content_imports_without_warnings(site, exchange_dir):
    assert import_files([write_bundle(exchange_dir, bundle())]).warnings == []


@pytest.mark.django_db
def test_imported_payload_reaches_no_public_page(client, hostile_import):
    for page in (
        ProjectPage.objects.get(),
        MunicipalityPage.objects.get(),
        EvaluationReportPage.objects.get(),
        GuidePage.objects.get(),
    ):
        response = client.get(page.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "ok" in html
        assert_clean(html)


@pytest.mark.django_db
def test_imported_payload_reaches_neither_search_nor_api(client, hostile_import, tmp_path):
    documents = list(all_documents())
    assert any(d["title"] == "Fernwartung der Straßenbeleuchtung" for d in documents)
    assert_clean(json.dumps(documents, default=str))
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.rebuild(documents)
    reset_engine(engine)
    try:
        response = client.get("/api/v1/search/?q=Fernwartung")
        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["total"] >= 1
        assert_clean(response.content.decode())
        page = client.get("/suche/?q=Fernwartung")
        assert page.status_code == 200
        assert_clean(page.content.decode())
    finally:
        reset_engine(None)


@pytest.mark.django_db
def test_imported_payload_is_not_exported(hostile_import, tmp_path):
    out = tmp_path / "export" / "export.json"
    out.parent.mkdir()
    data = export_to(out)
    assert data["municipalities"][0]["projects"][0]["problem"] == "<p>ok</p><a>x</a>"
    assert_clean(out.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_import_command_prints_the_warnings(site, exchange_dir, capsys):
    call_command("import_content", str(write_bundle(exchange_dir, hostile_bundle())))
    captured = capsys.readouterr()
    assert (
        "Warnung: import.json: Datensatz „projekt-test-laternen“, Feld „problem“: "
        "Nicht erlaubtes HTML entfernt: <script>, <img>, <a href>"
    ) in captured.err
    assert "Import abgeschlossen" in captured.out


# -- what is already stored ----------------------------------------------------------------------


def store_dirty(project: ProjectPage) -> None:
    """Write the payload past the fields' pre_save, as data from before this fix would be."""
    dirty_body = [
        {"type": "paragraph", "value": PAYLOAD, "id": "a"},
        {"type": "callout", "value": {"title": "Hinweis", "text": PAYLOAD}, "id": "b"},
    ]
    ProjectPage.objects.filter(pk=project.pk).update(problem=PAYLOAD, body=dirty_body)
    revision = Revision.objects.get(pk=project.latest_revision_id)
    content = dict(revision.content, problem=PAYLOAD, body=json.dumps(dirty_body))
    Revision.objects.filter(pk=revision.pk).update(content=content)
    stored = ProjectPage.objects.get(pk=project.pk)
    assert stored.problem == PAYLOAD and stored.body.raw_data[0]["value"] == PAYLOAD  # really dirty


def assert_stored_clean(project: ProjectPage) -> None:
    stored = ProjectPage.objects.get(pk=project.pk)
    assert stored.problem == "<p>ok</p><a>x</a>"
    assert [item["value"] for item in stored.body.raw_data] == [
        "<p>ok</p><a>x</a>",
        {"title": "Hinweis", "text": "<p>ok</p><a>x</a>"},
    ]
    assert_clean(json.dumps(Revision.objects.get(pk=stored.latest_revision_id).content, default=str))


@pytest.mark.django_db
def test_cleanup_function_cleans_pages_stored_dirty(client, site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])
    project = ProjectPage.objects.get()
    store_dirty(project)
    assert "<script>" in client.get(project.url).content.decode()  # the hole this closes
    assert sanitize_stored_rich_text([ProjectPage], Revision) == 2  # the page row and its revision
    assert_stored_clean(project)
    assert_clean(client.get(project.url).content.decode())
    assert sanitize_stored_rich_text([ProjectPage], Revision) == 0  # nothing left to do


@pytest.mark.django_db
def test_management_command_cleans_pages_stored_dirty(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])
    project = ProjectPage.objects.get()
    store_dirty(project)
    call_command("sanitize_rich_text", verbosity=0)
    assert_stored_clean(project)


@pytest.mark.django_db
def test_data_migration_cleans_with_historical_models(site, exchange_dir):
    """The migration sees historical fields, which have lost their ``features``: it must still clean
    to the project's features (an ``<h2>`` is not among them) and reach the revisions."""
    import_files([write_bundle(exchange_dir, bundle())])
    project = ProjectPage.objects.get()
    store_dirty(project)
    ProjectPage.objects.filter(pk=project.pk).update(solution="<h2>Titel</h2><p>Text</p>")
    state = MigrationExecutor(connection).loader.project_state(("projects", "0003_sanitize_rich_text"))
    migration = importlib.import_module("cms.projects.migrations.0003_sanitize_rich_text")
    migration.sanitize(state.apps, None)
    assert_stored_clean(project)
    assert ProjectPage.objects.get(pk=project.pk).solution == "Titel<p>Text</p>"
