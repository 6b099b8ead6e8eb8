"""Public pages for the registries: one page per taxonomy term and per size class."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage, attach_projects
from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Recommendation
from registry.size_class import SIZE_CLASS_BOUNDS, SizeClass
from registry.taxonomy import charta_citation


@dataclass(frozen=True)
class TermKind:
    slug: str
    model: type[Model]
    label: str
    label_plural: str
    project_field: str
    in_charta: bool = True


TERM_KINDS = {
    kind.slug: kind
    for kind in (
        TermKind("leitlinien", Guideline, _("Leitlinie"), _("Leitlinien"), "guidelines"),
        TermKind("leitbild", LeitbildAttribute, _("Leitbild-Merkmal"), _("Leitbild"), "leitbild"),
        TermKind(
            "empfehlungen", Recommendation, _("Handlungsempfehlung"), _("Handlungsempfehlungen"), "recommendations"
        ),
        TermKind("akteure", ActorGroup, _("Akteursgruppe"), _("Akteursgruppen"), "actors"),
        TermKind("handlungsfelder", ActionField, _("Handlungsfeld"), _("Handlungsfelder"), "action_fields", False),
    )
}


def public_projects():
    return ProjectPage.objects.live().public().select_related("lead_municipality__state").order_by("title")


def reports_below(projects) -> list:
    """Experience and evaluation reports published under the given projects."""
    paths = [p.path for p in projects]
    if not paths:
        return []
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    reports = [
        *ExperienceReportPage.objects.live().public().filter(query),
        *EvaluationReportPage.objects.live().public().filter(query),
    ]
    reports.sort(key=lambda r: (r.report_date, r.pk), reverse=True)
    return attach_projects(reports)


def charta_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "taxonomy/overview.html",
        {
            "guidelines": Guideline.objects.filter(parent=None).prefetch_related("children"),
            "leitbild": LeitbildAttribute.objects.all(),
            "recommendations": Recommendation.objects.all(),
            "actors": ActorGroup.objects.all(),
            "action_fields": ActionField.objects.all(),
            "citation": charta_citation(),
        },
    )


def term_detail(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    term_kind = TERM_KINDS.get(kind)
    # A code never holds a NUL byte, which PostgreSQL would refuse in the query (a 500).
    if term_kind is None or "\x00" in code:
        raise Http404
    term = get_object_or_404(term_kind.model, code=code)
    projects = public_projects()
    guides = GuidePage.objects.live().public().order_by("title")
    checklists = ChecklistPage.objects.live().public().order_by("title")
    if isinstance(term, Guideline):
        codes = [term.code] if term.is_sub_guideline else [c.code for c in term.children.all()]
        projects = projects.filter(guidelines__code__in=codes).distinct()
        guides = guides.filter(guidelines__code__in=codes).distinct()
        checklists = checklists.filter(guidelines__code__in=codes).distinct()
    else:
        projects = projects.filter(**{term_kind.project_field: term}).distinct()
        guides = guides.none()
        checklists = checklists.none()
    projects = list(projects)
    return render(
        request,
        "taxonomy/term_detail.html",
        {
            "kind": term_kind,
            "term": term,
            "projects": projects,
            "reports": reports_below(projects),
            "guides": guides,
            "checklists": checklists,
            "citation": charta_citation() if term_kind.in_charta else "",
        },
    )


def size_class_detail(request: HttpRequest, size_class: str) -> HttpResponse:
    try:
        sc = SizeClass(size_class)
    except ValueError:
        raise Http404 from None
    projects = list(public_projects().filter(lead_municipality__size_class=sc))
    return render(
        request,
        "taxonomy/size_class.html",
        {"size_class": sc, "bounds": SIZE_CLASS_BOUNDS[sc], "projects": projects, "reports": reports_below(projects)},
    )
