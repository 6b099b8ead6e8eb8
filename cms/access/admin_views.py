"""The "Zugangsanfragen" area of the Wagtail admin: list, details, approve, reject.

Requests come only from the public form, so there is no add or edit view: an administrator
decides, and a decision goes through the approve/reject views (POST with CSRF token, pending
requests only), never through editing the status field.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.admin.utils import quote
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import policy_registry

from . import services
from .forms import DecisionForm
from .models import AccessRequest

DECIDE = "decide"


def can_decide(user) -> bool:
    return policy_registry.get_by_type(AccessRequest).user_has_permission(user, DECIDE)


class DecisionUrlsMixin:
    approve_url_name = None
    reject_url_name = None
    resend_url_name = None

    def decision_buttons(self, instance, button_class, **kwargs) -> list:
        if not can_decide(self.request.user):
            return []
        buttons = []
        pk = quote(instance.pk)
        if instance.is_pending:
            buttons.append(
                button_class(_("Annehmen"), url=reverse(self.approve_url_name, args=[pk]), icon_name="tick", **kwargs)
            )
            buttons.append(
                button_class(_("Ablehnen"), url=reverse(self.reject_url_name, args=[pk]), icon_name="cross", **kwargs)
            )
        elif services.can_resend_invitation(instance):
            buttons.append(
                button_class(
                    _("Einladung erneut senden"),
                    url=reverse(self.resend_url_name, args=[pk]),
                    icon_name="mail",
                    **kwargs,
                )
            )
        return buttons


class AccessRequestIndexView(DecisionUrlsMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("municipality__district", "municipality__state", "user")

    def get_list_more_buttons(self, instance):
        return self.decision_buttons(instance, MenuItem, priority=5) + super().get_list_more_buttons(instance)


class AccessRequestInspectView(DecisionUrlsMixin, generic.InspectView):
    def get_municipality_display_value(self):
        return self.object.municipality_label() or "–"

    def get_consent_display_value(self):
        return _("Ja") if self.object.consent else _("Nein")

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "–"
        if isinstance(value, datetime):
            # Local time, like everywhere else in the admin (the generic view shows UTC here).
            return date_format(localtime(value), "DATETIME_FORMAT")
        return value

    @cached_property
    def header_buttons(self):
        return self.decision_buttons(self.object, HeaderButton)


class AccessRequestHistoryView(history.HistoryView):
    inspect_url_name = None

    @cached_property
    def header_buttons(self):
        # The generic "Edit" button would lead nowhere: requests are not edited, only decided.
        return [
            HeaderButton(
                _("Ansehen"), url=reverse(self.inspect_url_name, args=[quote(self.object.pk)]), icon_name="info-circle"
            )
        ]


class DecisionView(DecisionUrlsMixin, WagtailAdminTemplateMixin, View):
    """Shows a confirmation with a note field on GET; acts on POST only.

    Refusals are real 403 responses: Wagtail would turn a PermissionDenied into a redirect to
    the dashboard, which scripts and monitoring would read as success.
    """

    model = AccessRequest
    template_name = "access/admin/decide.html"
    index_url_name = None
    inspect_url_name = None
    header_icon = "key"
    action = ""
    form_class = DecisionForm
    pending_only = True

    def dispatch(self, request, *args, **kwargs):
        if not can_decide(request.user):
            return TemplateResponse(request, "access/admin/forbidden.html", {}, status=403)
        self.object = get_object_or_404(
            AccessRequest.objects.select_related("municipality__district", "municipality__state", "user"),
            pk=kwargs["pk"],
        )
        if not self.is_allowed():
            messages.error(request, self.not_allowed_message())
            return redirect(self.inspect_url)
        return super().dispatch(request, *args, **kwargs)

    def is_allowed(self) -> bool:
        return self.object.is_pending

    def not_allowed_message(self) -> str:
        return _("Diese Anfrage wurde bereits entschieden.")

    @cached_property
    def inspect_url(self) -> str:
        return reverse(self.inspect_url_name, args=[quote(self.object.pk)])

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": AccessRequest._meta.verbose_name_plural},
            {"url": self.inspect_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object=self.object, view=self, cancel_url=self.inspect_url)
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form_class() if self.form_class else None))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        note = form.cleaned_data["note"] if form is not None else ""
        try:
            return self.act(note)
        except services.DecisionError as exc:
            messages.error(request, str(exc))
            return redirect(self.inspect_url)

    def act(self, note: str) -> HttpResponse:
        raise NotImplementedError

    def report_mail(self, outcome, success: str) -> None:
        if outcome.sent is False:
            messages.warning(
                self.request,
                _(
                    "%(success)s Die E-Mail an %(email)s konnte jedoch nicht versendet werden; bitte später erneut senden."
                )
                % {"success": success, "email": self.object.email},
            )
        else:
            messages.success(self.request, success)


class ApproveView(DecisionView):
    page_title = gettext_lazy("Zugangsanfrage annehmen")
    action = "approve"

    def act(self, note):
        access_request, outcome = services.approve(self.object, self.request.user, note)
        self.object = access_request
        self.report_mail(
            outcome,
            _("Anfrage von %(name)s angenommen: Konto „%(username)s“ angelegt, Einladung an %(email)s.")
            % {"name": access_request.name, "username": access_request.user.username, "email": access_request.email},
        )
        return redirect(self.index_url_name)


class RejectView(DecisionView):
    page_title = gettext_lazy("Zugangsanfrage ablehnen")
    action = "reject"

    def act(self, note):
        access_request, outcome = services.reject(self.object, self.request.user, note)
        self.object = access_request
        self.report_mail(
            outcome,
            _("Anfrage von %(name)s abgelehnt; %(email)s wird per E-Mail benachrichtigt.")
            % {"name": access_request.name, "email": access_request.email},
        )
        return redirect(self.index_url_name)


class ResendInvitationView(DecisionView):
    page_title = gettext_lazy("Einladung erneut senden")
    action = "resend"
    form_class = None

    def is_allowed(self) -> bool:
        return services.can_resend_invitation(self.object)

    def not_allowed_message(self) -> str:
        return _("Das Konto hat bereits ein Passwort oder ist nicht aktiv; eine Einladung ist nicht nötig.")

    def act(self, note):
        sent = services.resend_invitation(self.object, self.request.user)
        if sent:
            messages.success(self.request, _("Neue Einladung an %(email)s versendet.") % {"email": self.object.email})
        else:
            messages.error(self.request, _("Die E-Mail konnte nicht versendet werden."))
        return redirect(self.inspect_url)


class AccessRequestViewSet(ModelViewSet):
    model = AccessRequest
    icon = "key"
    menu_label = gettext_lazy("Zugangsanfragen")
    menu_order = 250
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = AccessRequestIndexView
    inspect_view_class = AccessRequestInspectView
    history_view_class = AccessRequestHistoryView
    list_display = [
        "name",
        "email",
        Column("role", label=gettext_lazy("Rolle"), accessor="get_role_display"),
        Column("municipality", label=gettext_lazy("Kommune"), accessor="municipality_label"),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display", sort_key="status"),
        DateColumn("created_at", label=gettext_lazy("Eingegangen"), sort_key="created_at"),
    ]
    list_filter = ["status", "role"]
    search_fields = ["name", "email", "organisation", "municipality__name", "municipality__ags"]
    ordering = ["-created_at"]
    list_export = ["name", "email", "role", "organisation", "status", "created_at", "decided_at"]
    inspect_view_fields = [
        "name",
        "email",
        "role",
        "municipality",
        "organisation",
        "message",
        "consent",
        "consent_at",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "decision_note",
        "user",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No add or edit views (see module docstring), so no buttons pointing at them.
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            approve_url_name=self.get_url_name("approve"),
            reject_url_name=self.get_url_name("reject"),
            resend_url_name=self.get_url_name("resend"),
            **kwargs,
        )

    def get_permissions_to_register(self):
        # "add" and "change" would be meaningless checkboxes in the group editor.
        return super().get_permissions_to_register().exclude(codename__in=["add_accessrequest", "change_accessrequest"])

    def get_urlpatterns(self):
        # Listed by hand: the parent's list would build the add and edit views we leave out.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("annehmen/<int:pk>/", self.construct_view(ApproveView), name="approve"),
            path("ablehnen/<int:pk>/", self.construct_view(RejectView), name="reject"),
            path("einladung/<int:pk>/", self.construct_view(ResendInvitationView), name="resend"),
            path("delete/<int:pk>/", self.delete_view, name="delete"),
            path("history/<int:pk>/", self.history_view, name="history"),
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
            path("usage/<int:pk>/", self.usage_view, name="usage"),
        ]
