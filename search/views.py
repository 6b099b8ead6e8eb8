"""Public search page.

This first version uses Wagtail's database search backend over live public pages; the
faceted engine (embedded and Elasticsearch) replaces it behind the same URL.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage

MAX_QUERY_LENGTH = 200
SEARCHABLE = (ProjectPage, ExperienceReportPage, EvaluationReportPage, GuidePage, ChecklistPage)


def search(request):
    query = request.GET.get("q", "").strip()
    error = ""
    results = None
    if len(query) > MAX_QUERY_LENGTH:
        error = _("Ihre Suchanfrage ist zu lang (höchstens %(max)s Zeichen).") % {"max": MAX_QUERY_LENGTH}
    elif "\x00" in query:
        error = _("Ihre Suchanfrage enthält ungültige Zeichen.")
    elif query:
        pages = Page.objects.live().public().type(*SEARCHABLE).specific()
        paginator = Paginator(pages.search(query), 20)
        try:
            results = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            results = paginator.page(1)
        except EmptyPage:
            results = paginator.page(paginator.num_pages)
    return render(
        request,
        "search/search.html",
        {"query": query, "results": results, "error": error},
        status=400 if error else 200,
    )
