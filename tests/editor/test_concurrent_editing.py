"""Two editors on one page: a save from an outdated editor is refused, and no revision is lost.

Each test drives Wagtail's real page editor with the Django test client the way a browser
does: it loads the edit form, submits every value the form holds (the hidden
``loaded_revision_id``/``loaded_revision_created_at`` inputs included) and changes one field.
StreamFields are drawn by JavaScript in the browser, so their inputs are derived here from the
form's block definitions and current values.
"""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import messages
from django.test import Client
from wagtail import blocks
from wagtail.models import Page, Revision, get_page_models
from wagtail.test.utils.form_data import querydict_from_html

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from tests.accounts.forms import PUBLISH
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db

# Every page type of the project, read from the models: a new type is tested without being listed.
PAGE_MODELS = [model for model in get_page_models() if model.__module__.startswith("cms.")]

REFUSED = "Ihre Änderungen wurden deshalb nicht gespeichert."


def edit_url(page: Page) -> str:
    return f"/admin/pages/{page.pk}/edit/"


def block_post_data(block: blocks.Block, value, prefix: str) -> dict:
    """The inputs Wagtail's block widgets would post for ``value`` under ``prefix``."""
    if isinstance(block, blocks.StreamBlock):
        data: dict = {f"{prefix}-count": str(len(value))}
        for index, child in enumerate(value):
            data |= {
                f"{prefix}-{index}-type": child.block_type,
                f"{prefix}-{index}-id": child.id or "",
                f"{prefix}-{index}-order": str(index),
                f"{prefix}-{index}-deleted": "",
            }
            data |= block_post_data(child.block, child.value, f"{prefix}-{index}-value")
        return data
    if isinstance(block, blocks.ListBlock):
        children = value.bound_blocks
        data = {f"{prefix}-count": str(len(children))}
        for index, child in enumerate(children):
            data |= {
                f"{prefix}-{index}-id": child.id or "",
                f"{prefix}-{index}-order": str(index),
                f"{prefix}-{index}-deleted": "",
            }
            data |= block_post_data(block.child_block, child.value, f"{prefix}-{index}-value")
        return data
    if isinstance(block, blocks.StructBlock):
        data = {}
        for name, child_block in block.child_blocks.items():
            data |= block_post_data(child_block, value.get(name), f"{prefix}-{name}")
        return data
    widget = block.field.widget
    form_value = block.value_for_form(value)
    if isinstance(widget, forms.CheckboxInput):
        return {prefix: "on"} if widget.check_test(form_value) else {}
    formatted = widget.format_value(form_value)
    return {prefix: "" if formatted is None else formatted}


def form_data(response) -> dict:
    """What a browser submits from the editor in ``response``: the rendered inputs plus the StreamFields."""
    assert response.status_code == 200
    html = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data: dict = {key: html.getlist(key) for key in html}
    form = response.context["form"]
    for name, field in form.fields.items():
        if isinstance(field, blocks.BlockField):
            data |= block_post_data(field.block, form[name].value(), name)
    return data


def error_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"] if message.level == messages.ERROR]


@pytest.fixture
def content(site, exchange_dir) -> None:
    """The site structure plus the imported test bundle: at least one page of every type."""
    import_files([write_bundle(exchange_dir, bundle())])


def editor(django_user_model, username: str, first_name: str) -> Client:
    user = django_user_model.objects.create_superuser(
        username, f"{username}@example.org", "geheim", first_name=first_name, last_name="Beispiel"
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anna(django_user_model) -> Client:
    return editor(django_user_model, "anna", "Anna")


@pytest.fixture
def bernd(django_user_model) -> Client:
    return editor(django_user_model, "bernd", "Bernd")


def page_of(model: type[Page]) -> Page:
    page = model.objects.order_by("pk").first()
    assert page is not None, f"Die Testinhalte enthalten keine Seite vom Typ {model.__name__}; bitte ergänzen."
    return page


def save(client: Client, page: Page, data: dict) -> Revision:
    """Submit the editor; expects success and returns the page's new latest revision."""
    response = client.post(edit_url(page), data)
    assert response.status_code == 302, error_messages(response) if response.context else response
    page.refresh_from_db()
    return page.latest_revision


def test_every_page_type_is_covered():
    """The list the tests below run over is not empty by accident and has the Steckbrief in it."""
    assert ProjectPage in PAGE_MODELS
    assert len(PAGE_MODELS) >= 8


@pytest.mark.parametrize("model", PAGE_MODELS, ids=lambda model: model.__name__)
def test_stale_save_is_refused_and_can_then_knowingly_overwrite(model, content, anna, bernd):
    page = page_of(model)
    title = page.title
    anna_form = form_data(anna.get(edit_url(page)))
    assert anna_form["loaded_revision_id"] == [str(page.latest_revision_id)]

    # Bernd opens the page after Anna and saves a change: his form is current, so it goes through.
    bernd_revision = save(bernd, page, form_data(bernd.get(edit_url(page))) | {"title": f"{title} (Bernd)"})
    revision_count = page.revisions.count()

    # Anna saves from the form she loaded before Bernd's save: refused, with a German message.
    response = anna.post(edit_url(page), anna_form | {"title": f"{title} (Anna)"})
    assert response.status_code == 200
    [error] = error_messages(response)
    assert "Bernd Beispiel hat diese Seite am" in error
    assert REFUSED in error
    page.refresh_from_db()
    assert page.revisions.count() == revision_count
    assert page.latest_revision_id == bernd_revision.pk
    assert page.get_latest_revision_as_object().title == f"{title} (Bernd)"

    # Her input is kept, and the form now stands on Bernd's revision: saving again replaces it
    # knowingly, while Bernd's revision stays in the history with his content.
    again = form_data(response)
    assert again["title"] == [f"{title} (Anna)"]
    assert again["loaded_revision_id"] == [str(bernd_revision.pk)]
    anna_revision = save(anna, page, again)
    assert anna_revision.pk != bernd_revision.pk
    assert anna_revision.as_object().title == f"{title} (Anna)"
    assert page.revisions.filter(pk=bernd_revision.pk).exists()
    assert Revision.objects.get(pk=bernd_revision.pk).as_object().title == f"{title} (Bernd)"


def test_stale_publish_of_a_steckbrief_is_refused(content, anna, bernd):
    project = page_of(ProjectPage)
    live_title = project.title
    anna_form = form_data(anna.get(edit_url(project)))
    bernd_revision = save(bernd, project, form_data(bernd.get(edit_url(project))) | {"summary": "Bernds Fassung."})

    response = anna.post(edit_url(project), anna_form | {"title": "Annas Titel"} | PUBLISH)
    assert response.status_code == 200
    assert any(REFUSED in error for error in error_messages(response))
    project.refresh_from_db()
    assert project.title == live_title  # nothing published
    assert project.latest_revision_id == bernd_revision.pk
    assert project.get_latest_revision_as_object().summary == "Bernds Fassung."


def autosave(client: Client, page: Page, data: dict) -> int:
    """What the editor's autosave sends (the whole form, answered in JSON); returns the revision id."""
    response = client.post(edit_url(page), data, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    return response.json()["revision_id"]


def test_own_autosave_does_not_block_saving(content, anna):
    """The browser keeps the originally loaded revision in the form after an autosave, so a
    "Speichern" after typing for a moment arrives "behind" the editor's own autosave revision."""
    project = page_of(ProjectPage)
    loaded = form_data(anna.get(edit_url(project)))
    autosaved = autosave(anna, project, loaded | {"summary": "Zwischenstand."})
    project.refresh_from_db()
    assert project.latest_revision_id == autosaved

    saved = save(anna, project, loaded | {"summary": "Fertig."})
    assert saved.as_object().summary == "Fertig."
    assert project.revisions.filter(pk=autosaved).exists()


def test_someone_elses_autosave_after_loading_is_caught(content, anna, bernd):
    """Autosave rewrites its revision in place: same id as the one Anna loaded, newer content."""
    project = page_of(ProjectPage)
    bernd_form = form_data(bernd.get(edit_url(project)))
    bernd_revision = autosave(bernd, project, bernd_form | {"summary": "Bernds erster Stand."})
    anna_form = form_data(anna.get(edit_url(project)))
    assert anna_form["loaded_revision_id"] == [str(bernd_revision)]
    again = bernd_form | {"summary": "Bernds zweiter Stand.", "overwrite_revision_id": str(bernd_revision)}
    assert autosave(bernd, project, again) == bernd_revision

    response = anna.post(edit_url(project), anna_form | {"summary": "Annas Stand."})
    assert response.status_code == 200
    [error] = error_messages(response)
    assert "Bernd Beispiel hat diese Seite am" in error
    project.refresh_from_db()
    assert project.latest_revision_id == bernd_revision
    assert project.get_latest_revision_as_object().summary == "Bernds zweiter Stand."


def test_current_form_saves_without_warning(content, anna):
    """The check does not get in the way of the ordinary case: one editor, saving twice in a row."""
    project = page_of(ProjectPage)
    first = save(anna, project, form_data(anna.get(edit_url(project))) | {"summary": "Erste Fassung."})
    response = anna.get(edit_url(project))
    second = save(anna, project, form_data(response) | {"summary": "Zweite Fassung."})
    assert second.pk != first.pk
    assert second.as_object().summary == "Zweite Fassung."
