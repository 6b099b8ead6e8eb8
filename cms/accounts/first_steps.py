"""“Erste Schritte”: a short guide per role in the admin, linked from the dashboard.

A clerk who logs in for the first time sees Wagtail's empty dashboard and a page tree; what
to do first, what the editorial team checks and where the review happens is nowhere. This
page says it in plain German, only for the roles the user has, with links to the places
each step happens (the user's own municipality page, the "Wissen" section, the review list).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import GroupPagePermission, Page

from . import roles

ROLE_REDAKTION = "redaktion"


@dataclass(frozen=True)
class Step:
    """One step: what to do, how, and where (a link into the admin, if there is one place)."""

    title: Promise
    text: Promise
    link_label: Promise | None = None
    url: str | None = None


@dataclass
class RoleGuide:
    """The steps of one role, with its heading."""

    key: str
    heading: Promise
    intro: Promise
    steps: list[Step] = field(default_factory=list)


def municipality_pages(user: AbstractBaseUser) -> list[Page]:
    """The municipality pages the user's "Kommune …" groups may edit, in tree order."""
    return list(
        Page.objects.filter(
            pk__in=GroupPagePermission.objects.filter(
                group__in=user.groups.filter(name__startswith=roles.MUNICIPALITY_GROUP_PREFIX),
                permission__codename="change_page",
            ).values("page_id")
        ).order_by("path")
    )


def user_roles(user: AbstractBaseUser) -> list[str]:
    """The user's roles, in the order their guides are shown. Superusers see all three."""
    if user.is_superuser:
        return [roles.ROLE_KOMMUNE, roles.ROLE_FORSCHUNG, ROLE_REDAKTION]
    names = set(
        user.groups.filter(
            Q(name__startswith=roles.MUNICIPALITY_GROUP_PREFIX)
            | Q(name__in=[roles.RESEARCH_GROUP, roles.EDITORIAL_GROUP])
        ).values_list("name", flat=True)
    )
    found = []
    if any(name.startswith(roles.MUNICIPALITY_GROUP_PREFIX) for name in names):
        found.append(roles.ROLE_KOMMUNE)
    if roles.RESEARCH_GROUP in names:
        found.append(roles.ROLE_FORSCHUNG)
    if roles.EDITORIAL_GROUP in names:
        found.append(ROLE_REDAKTION)
    return found


def _kommune_guide(user: AbstractBaseUser) -> RoleGuide:
    pages = municipality_pages(user)
    own = pages[0] if len(pages) == 1 else None
    explore_url = reverse("wagtailadmin_explore", args=[own.pk]) if own else None
    add_url = reverse("wagtailadmin_pages:add_subpage", args=[own.pk]) if own else None
    return RoleGuide(
        key=roles.ROLE_KOMMUNE,
        heading=_("Erste Schritte für Kommunen"),
        intro=_(
            "Sie stellen die Smart-City-Projekte Ihrer Kommune vor. Alles, was Sie schreiben, prüft die "
            "Redaktion, bevor es öffentlich erscheint."
        ),
        steps=[
            Step(
                _("Steckbrief anlegen"),
                _(
                    "Jedes Projekt bekommt einen Projekt-Steckbrief. Sie legen ihn auf der Seite Ihrer Kommune "
                    "an: „Unterseite hinzufügen“ öffnet das Formular."
                ),
                _("Neuen Steckbrief anlegen"),
                add_url,
            ),
            Step(
                _("Pflichtfelder ausfüllen"),
                _(
                    "Felder mit Sternchen (*) sind Pflicht: Titel, Kurzbeschreibung, das gelöste Problem, "
                    "Kosten, Hinweise zur Nachnutzung und eine Ansprechperson. Die Anzeige der Vollständigkeit "
                    "sagt Ihnen, was noch fehlt. Sie können jederzeit als Entwurf speichern."
                ),
            ),
            Step(
                _("Zur Prüfung einreichen"),
                _(
                    "Ist der Steckbrief fertig, wählen Sie unten im Formular „Zur Prüfung einreichen“. "
                    "Bis die Redaktion entschieden hat, bleibt die Seite ein Entwurf."
                ),
            ),
            Step(
                _("Was die Redaktion prüft"),
                _(
                    "Die Redaktion prüft, ob die Angaben verständlich, vollständig und sachlich sind und ob "
                    "Bilder und Dokumente veröffentlicht werden dürfen (Rechte, personenbezogene Daten). "
                    "Sie veröffentlicht den Steckbrief oder schickt ihn mit einem Kommentar an Sie zurück; "
                    "dann überarbeiten Sie ihn und reichen ihn erneut ein."
                ),
            ),
            Step(
                _("Erfahrungsbericht schreiben"),
                _(
                    "Was hat funktioniert, was nicht? Einen Erfahrungsbericht legen Sie als Unterseite des "
                    "Steckbriefs an. Er geht denselben Weg über die Prüfung der Redaktion."
                ),
                _("Seiten Ihrer Kommune ansehen"),
                explore_url,
            ),
        ],
    )


def _forschung_guide(user: AbstractBaseUser) -> RoleGuide:
    wissen = roles.section_page("wissen")
    kommunen = roles.section_page("kommunen")
    return RoleGuide(
        key=roles.ROLE_FORSCHUNG,
        heading=_("Erste Schritte für die Forschung"),
        intro=_(
            "Sie ergänzen die Erfahrungen der Kommunen um Evaluationen und um Wissen, das andere Kommunen "
            "nachnutzen können. Auch Ihre Beiträge prüft die Redaktion vor der Veröffentlichung."
        ),
        steps=[
            Step(
                _("Evaluationsbericht schreiben"),
                _(
                    "Einen Evaluationsbericht legen Sie als Unterseite des Projekt-Steckbriefs an, den Sie "
                    "untersucht haben: im Bereich „Kommunen“ die Kommune und dann das Projekt öffnen."
                ),
                _("Bereich „Kommunen“ öffnen"),
                reverse("wagtailadmin_explore", args=[kommunen.pk]) if kommunen else None,
            ),
            Step(
                _("Leitfaden verfassen"),
                _("Leitfäden fassen zusammen, wie Kommunen ein Thema angehen. Sie gehören in den Bereich „Wissen“."),
                _("Bereich „Wissen“ öffnen"),
                reverse("wagtailadmin_explore", args=[wissen.pk]) if wissen else None,
            ),
            Step(
                _("Checkliste oder Prüfraster anlegen"),
                _(
                    "Eine Checkliste führt Schritt für Schritt durch ein Vorhaben. Als Prüfraster markiert, "
                    "dient sie der Bewertung eines Vorhabens. Auch sie gehört in den Bereich „Wissen“."
                ),
            ),
            Step(
                _("Zur Prüfung einreichen"),
                _(
                    "Wählen Sie unten im Formular „Zur Prüfung einreichen“. Die Redaktion veröffentlicht den "
                    "Beitrag oder schickt ihn mit einem Kommentar an Sie zurück."
                ),
            ),
        ],
    )


def _redaktion_guide(user: AbstractBaseUser) -> RoleGuide:
    return RoleGuide(
        key=ROLE_REDAKTION,
        heading=_("Erste Schritte für die Redaktion"),
        intro=_(
            "Sie entscheiden, was öffentlich erscheint, und nehmen neue Kommunen und Forschende auf die Plattform."
        ),
        steps=[
            Step(
                _("Prüfen und Freigeben"),
                _(
                    "Eingereichte Seiten stehen auf dem Dashboard unter den Aufgaben, die auf Ihre Prüfung "
                    "warten. Öffnen Sie die Seite, prüfen Sie Inhalt, Vollständigkeit und die Rechte an Bildern "
                    "und Dokumenten. Dann geben Sie sie frei (sie wird veröffentlicht) oder fordern mit einem "
                    "Kommentar Änderungen an."
                ),
                _("Prüfungen ansehen"),
                reverse("wagtailadmin_reports:workflow"),
            ),
            Step(
                _("Zugangsanfragen bearbeiten"),
                _(
                    "Mitarbeiterinnen und Mitarbeiter von Kommunen und Forschende beantragen ihren Zugang über "
                    "das öffentliche Formular. Prüfen Sie, ob die Person zur angegebenen Kommune oder "
                    "Einrichtung gehört, und nehmen Sie die Anfrage an oder lehnen Sie sie ab. Bei Annahme "
                    "erhält die Person eine E-Mail, mit der sie ihr Passwort festlegt."
                ),
                _("Zugangsanfragen ansehen"),
                reverse("zugangsanfragen:index"),
            ),
            Step(
                _("Begriffe und Verzeichnisse pflegen"),
                _(
                    "Handlungsfelder, Leitlinien und Empfehlungen der Smart City Charta sowie die Angaben zu "
                    "Gemeinden pflegen Sie unter „Snippets“."
                ),
            ),
        ],
    )


GUIDES = {
    roles.ROLE_KOMMUNE: _kommune_guide,
    roles.ROLE_FORSCHUNG: _forschung_guide,
    ROLE_REDAKTION: _redaktion_guide,
}


def guides_for(user: AbstractBaseUser) -> list[RoleGuide]:
    """The guides of the user's roles; empty for a user without a platform role."""
    return [GUIDES[role](user) for role in user_roles(user)]


class FirstStepsView(WagtailAdminTemplateMixin, TemplateView):
    """The "Erste Schritte" page: a normal admin page with the header and the sidebar."""

    template_name = "accounts/first_steps.html"
    page_title = _("Erste Schritte")
    header_icon = "help"

    def get_breadcrumbs_items(self) -> list[dict]:
        """Dashboard › Erste Schritte; without the last item the header would read only "Home"."""
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guides"] = guides_for(self.request.user)
        return context


class FirstStepsPanel(Component):
    """The dashboard's pointer to the guide, for every user with a platform role."""

    name = "first_steps"
    template_name = "accounts/first_steps_panel.html"
    order = 20

    def __init__(self, role_names: list[str]) -> None:
        self.role_names = role_names

    def get_context_data(self, parent_context=None):
        return {"url": reverse("first_steps"), "role_names": self.role_names}


ROLE_LABELS = {
    roles.ROLE_KOMMUNE: _("Kommune"),
    roles.ROLE_FORSCHUNG: _("Forschung"),
    ROLE_REDAKTION: _("Redaktion"),
}


def dashboard_panel(user: AbstractBaseUser) -> FirstStepsPanel | None:
    """The panel for the user's dashboard, or None for a user without a platform role."""
    found = user_roles(user)
    if not found:
        return None
    return FirstStepsPanel([ROLE_LABELS[role] for role in found])
