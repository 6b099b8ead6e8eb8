"""Admin registration: the "Zugangsanfragen" viewset and the log actions its decisions write."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from .admin_views import AccessRequestViewSet, can_decide
from .models import AccessRequest


@hooks.register("register_admin_viewset")
def register_access_requests():
    return AccessRequestViewSet("zugangsanfragen")


@hooks.register("register_log_actions")
def register_access_log_actions(actions):
    actions.register_action("access.approve", _("Zugangsanfrage annehmen"), _("Zugangsanfrage angenommen"))
    actions.register_action("access.reject", _("Zugangsanfrage ablehnen"), _("Zugangsanfrage abgelehnt"))
    actions.register_action("access.resend_invitation", _("Einladung erneut senden"), _("Einladung erneut gesendet"))


class PendingRequestsPanel(Component):
    """Dashboard reminder: requests wait for a person, and nobody checks a list unprompted."""

    name = "access_requests_pending"
    template_name = "access/admin/pending_panel.html"
    order = 90

    def __init__(self, count: int):
        self.count = count

    def get_context_data(self, parent_context=None):
        return {"count": self.count, "url": reverse("zugangsanfragen:index") + "?status=pending"}


@hooks.register("construct_homepage_panels")
def add_pending_requests_panel(request, panels):
    if can_decide(request.user):
        count = AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).count()
        if count:
            panels.append(PendingRequestsPanel(count))
