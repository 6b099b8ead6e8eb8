"""Replication checklist (HTML and Markdown) and the project comparison."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from cms.knowledge.models import ChecklistPage
from cms.projects.models import ProjectPage

from .checklist import build_checklist
from .compare import Column, build_rows
from .markdown import render_markdown
from .selection import (
    MAX_COMPARE,
    MIN_COMPARE,
    InvalidKommune,
    compare_url,
    parse_ids,
    session_selection,
    store_selection,
    visitor_municipality,
)


def live_projects():
    return ProjectPage.objects.live().public()


def project_or_404(project_id: int) -> ProjectPage:
    project = live_projects().select_related("lead_municipality__state").filter(pk=project_id).first()
    if project is None:
        raise Http404("Dieses Projekt gibt es nicht oder es ist nicht veröffentlicht.")
    return project


def curated_checklists():
    return ChecklistPage.objects.live().public().order_by("path").prefetch_related("guidelines")


def bad_request(request: HttpRequest, message: str, back_url: str, back_label: str) -> HttpResponse:
    context = {"message": message, "back_url": back_url, "back_label": back_label}
    return render(request, "replication/bad_request.html", context, status=400)


def kommune_error(request: HttpRequest, project: ProjectPage, error: InvalidKommune) -> HttpResponse:
    back = reverse("replication:checklist", args=[project.pk]) + "?kommune="
    return bad_request(request, str(error), back, "Zur Checkliste ohne Gemeindeschlüssel")


@require_safe
def checklist(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_or_404(project_id)
    try:
        visitor, from_url = visitor_municipality(request)
    except InvalidKommune as error:
        return kommune_error(request, project, error)
    markdown_url = reverse("replication:checklist_markdown", args=[project.pk])
    if from_url:  # the download gets the same municipality as the page
        markdown_url += "?" + urlencode({"kommune": visitor.ags if visitor else ""})
    context = {
        "project": project,
        "checklist": build_checklist(project, curated_checklists(), visitor),
        "visitor": visitor,
        "markdown_url": markdown_url,
        "storage_key": f"nachnutzen:{project.pk}",
    }
    return render(request, "replication/checklist.html", context)


@require_safe
def checklist_markdown(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_or_404(project_id)
    try:
        visitor, _ = visitor_municipality(request)
    except InvalidKommune as error:
        return kommune_error(request, project, error)
    result = build_checklist(project, curated_checklists(), visitor)
    response = HttpResponse(
        render_markdown(result, absolute=request.build_absolute_uri), content_type="text/markdown; charset=utf-8"
    )
    filename = f"nachnutzen-{slugify(project.slug or project.title) or project.pk}.md"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    values = request.GET.getlist("p")
    previous = session_selection(request)
    if not any(value.strip() for value in values):
        if len(previous) >= MIN_COMPARE:
            return redirect(compare_url(previous))
        return _compare_page(request, [], previous_ids=previous, error="", status=200)

    ids, invalid = parse_ids(values)
    found = {
        project.pk: project
        for project in live_projects()
        .filter(pk__in=ids)
        .select_related("lead_municipality__state", "lead_municipality__page")
        .prefetch_related("guidelines", "partner_municipalities")
    }
    known = [found[pk] for pk in ids if pk in found]
    unknown = invalid + [str(pk) for pk in ids if pk not in found]

    if len(known) <= MAX_COMPARE:
        store_selection(request, [project.pk for project in known])
    notice = ""
    if unknown:
        error = ngettext(
            "Das Projekt mit der Kennung %(ids)s gibt es nicht oder nicht öffentlich. "
            "Bitte wählen Sie veröffentlichte Projekte aus.",
            "Die Projekte mit den Kennungen %(ids)s gibt es nicht oder nicht öffentlich. "
            "Bitte wählen Sie veröffentlichte Projekte aus.",
            len(unknown),
        ) % {"ids": ", ".join(unknown)}
    elif len(known) > MAX_COMPARE:
        error = _(
            "Sie können höchstens %(max)d Projekte vergleichen, ausgewählt sind %(count)d. "
            "Bitte entfernen Sie Projekte aus der Auswahl."
        ) % {"max": MAX_COMPARE, "count": len(known)}
    else:
        error = ""
        if len(known) < MIN_COMPARE:
            # The first "Zum Vergleich hinzufügen" lands here: a normal step, not an error.
            notice = _(
                "Für einen Vergleich brauchen Sie mindestens zwei Projekte. Öffnen Sie ein weiteres Projekt und "
                "wählen Sie dort „Zum Vergleich hinzufügen“."
            )
    return _compare_page(
        request, known, previous_ids=previous, error=error, status=400 if error else 200, notice=notice
    )


def _compare_page(
    request, projects: list, previous_ids: list[int], error: str, status: int, notice: str = ""
) -> HttpResponse:
    ids = [project.pk for project in projects]
    columns = [
        Column(
            project=project,
            title=project.title,
            url=project.get_url(request) or "",
            remove_url=compare_url([pk for pk in ids if pk != project.pk]),
        )
        for project in projects
    ]
    show_table = not error and len(projects) >= MIN_COMPARE
    previous_url = compare_url(previous_ids) if len(previous_ids) >= MIN_COMPARE and previous_ids != ids else ""
    context = {
        "columns": columns,
        "rows": build_rows(projects) if show_table else [],
        "show_table": show_table,
        "error": error,
        "notice": notice,
        "count": len(projects),
        "any_demo": any(project.is_demo for project in projects),
        "max_compare": MAX_COMPARE,
        "previous_url": previous_url,
        "search_url": reverse("search"),
    }
    return render(request, "replication/compare.html", context, status=status)
