"""How complete a project description ("Steckbrief") is, and a panel that shows it while editing.

Only ``summary`` is required by the model; everything else is optional so that a
municipality can publish early. But a Steckbrief is only useful to other municipalities
when it answers the questions they ask: what did it cost, what does it cost to run, who
did the work, what would you do differently, whom can I ask. ``completeness()`` lists
which of those recommended answers are still missing, and why each one matters, so that
editors and reviewers see the gaps before publishing instead of after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

# Pseudo-field: at least one published experience or evaluation report below the project.
REPORTS = "reports"

# Recommended fields, in the order of the editing tabs, with the reason shown to editors.
RECOMMENDED: tuple[tuple[str, str], ...] = (
    ("summary", _("Erscheint in der Suche und auf Projektkarten; daran entscheiden Leser, ob sie weiterlesen.")),
    ("status", _("Zeigt, ob das Projekt noch erprobt wird oder sich im Alltag bewährt hat.")),
    ("problem", _("Erst am Bedarf erkennt eine andere Kommune, ob sie vor demselben Problem steht.")),
    ("solution", _("Ohne Beschreibung der Lösung lässt sich nicht beurteilen, ob sie übertragbar ist.")),
    ("start_date", _("Die Laufzeit hilft, Aufwand und Reife des Projekts einzuschätzen.")),
    ("budget_eur", _("Die Kosten sind die häufigste Frage von Kommunen, die ein Projekt nachnutzen wollen.")),
    (
        "running_costs_eur_per_year",
        _("Entscheidet, ob sich eine Kommune das Projekt auch nach dem Ende der Förderung leisten kann."),
    ),
    ("staff_effort_person_months", _("Personal ist in kleinen Kommunen oft knapper als Geld.")),
    ("guidelines", _("Ordnet das Projekt in die Smart City Charta ein; danach wird in der Suche gefiltert.")),
    ("action_fields", _("Die Handlungsfelder sind der wichtigste Einstieg der Suche.")),
    ("transferability", _("Der Kern der Plattform: Was braucht eine andere Kommune, um das Projekt zu übernehmen?")),
    ("lessons_learned", _("Gerade Umwege und Fehlschläge ersparen anderen Kommunen Zeit und Geld.")),
    ("contact_role", _("Andere Kommunen wollen wissen, welche Stelle sie fragen können.")),
    (
        "contact_email",
        _("Ohne Adresse gibt es auf der Projektseite kein Kontaktformular. Die Adresse selbst bleibt unsichtbar."),
    ),
    (REPORTS, _("Berichte belegen, was das Projekt tatsächlich bewirkt hat.")),
)

REPORTS_LABEL = _("Erfahrungs- oder Evaluationsbericht (veröffentlicht)")


class MissingField(NamedTuple):
    name: str
    label: str
    why: str


@dataclass(frozen=True)
class Completeness:
    filled: list[str] = field(default_factory=list)
    missing: list[MissingField] = field(default_factory=list)
    percent: int = 0

    @property
    def total(self) -> int:
        return len(self.filled) + len(self.missing)

    @property
    def is_complete(self) -> bool:
        return not self.missing


def is_empty(value) -> bool:
    if value is None:
        return True
    if hasattr(value, "all"):  # a (parental) many-to-many manager, saved or still in memory
        return not value.all().exists()
    if isinstance(value, str) or hasattr(value, "source"):  # plain or rich text
        text = strip_tags(str(getattr(value, "source", value))).replace("&nbsp;", " ")
        return not text.strip()
    return False  # numbers (0 is an answer), dates, choices


def _has_reports(page) -> bool:
    if not page.pk or not page.path:
        return False
    from .models import EvaluationReportPage, ExperienceReportPage

    return page.get_children().live().type(ExperienceReportPage, EvaluationReportPage).exists()


def field_label(model, name: str) -> str:
    if name == REPORTS:
        return str(REPORTS_LABEL)
    return str(model._meta.get_field(name).verbose_name)


def tally(model, present: Callable[[str], bool]) -> Completeness:
    """The recommended answers of a Steckbrief, each filled or missing as ``present(name)`` says.

    The one place that counts; ``completeness`` asks a page, the dashboards a revision's content.
    """
    filled: list[str] = []
    missing: list[MissingField] = []
    for name, why in RECOMMENDED:
        if present(name):
            filled.append(name)
        else:
            missing.append(MissingField(name, field_label(model, name), str(why)))
    total = len(filled) + len(missing)
    percent = round(100 * len(filled) / total) if total else 100
    return Completeness(filled=filled, missing=missing, percent=percent)


def completeness(page) -> Completeness:
    """Which recommended answers a ProjectPage (saved, unsaved or a revision) has and which it lacks.

    Reads the page and, for relations and reports, the database; changes nothing.
    """
    return tally(
        type(page), lambda name: _has_reports(page) if name == REPORTS else not is_empty(getattr(page, name, None))
    )


def tab_for_field(model, name: str) -> tuple[str, str] | None:
    """(tab identifier, tab heading) of the editing tab that holds the field, from the model's edit handler."""
    handler = model.get_edit_handler()
    for tab, identifier in zip(handler.children, handler.child_identifiers, strict=True):
        if name in tab.get_form_options().get("fields", []):
            return identifier, str(tab.heading)
    return None


class CompletenessPanel(Panel):
    """Shows, inside the edit form, which recommended answers are still missing, with links to their tabs.

    Moderators review in the same edit view, so they see the same list before approving.
    The panel reflects the version being edited (the latest draft), not the live page.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("heading", _("Vollständigkeit des Steckbriefs"))
        kwargs.setdefault("icon", "tasks")
        super().__init__(*args, **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "projects/panels/completeness_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            page = self.instance
            result = completeness(page)
            items = []
            for item in result.missing:
                tab = tab_for_field(type(page), item.name)
                if tab:
                    url, where = f"#tab-{tab[0]}", tab[1]
                elif item.name == REPORTS and page.pk:
                    url, where = reverse("wagtailadmin_pages:add_subpage", args=[page.pk]), ""
                else:
                    url, where = "", ""
                items.append({"name": item.name, "label": item.label, "why": item.why, "url": url, "tab": where})
            context.update(completeness=result, missing_items=items)
            return context
