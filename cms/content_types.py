"""The kinds of public content, defined once: model, key, label.

The key is what the search facet ``content_type``, the API's ``type``, the open-data tables
and the feeds carry ("projekt", "erfahrungsbericht", …); the label is what a visitor reads.
Everything else (the search documents, the facet's labels, the tables' "Art" column, the
coverage page, the feeds) derives its list from ``CONTENT_KINDS``, so a new page type is added
here and in the one module that builds its search document (``search/documents.py``, whose
test fails until it has a builder for every kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage


@dataclass(frozen=True)
class ContentKind:
    key: str
    label: Promise
    model: type[Page]
    is_report: bool = False


PROJECT = "projekt"

CONTENT_KINDS: tuple[ContentKind, ...] = (
    ContentKind(PROJECT, _("Projekt-Steckbrief"), ProjectPage),
    ContentKind("erfahrungsbericht", _("Erfahrungsbericht"), ExperienceReportPage, is_report=True),
    ContentKind("evaluationsbericht", _("Evaluationsbericht"), EvaluationReportPage, is_report=True),
    ContentKind("leitfaden", _("Leitfaden"), GuidePage),
    ContentKind("checkliste", _("Checkliste"), ChecklistPage),
)

BY_KEY: dict[str, ContentKind] = {kind.key: kind for kind in CONTENT_KINDS}
KEY_OF_MODEL: dict[type[Page], str] = {kind.model: kind.key for kind in CONTENT_KINDS}
LABELS: dict[str, Promise] = {kind.key: kind.label for kind in CONTENT_KINDS}
REPORT_KEYS: tuple[str, ...] = tuple(kind.key for kind in CONTENT_KINDS if kind.is_report)
