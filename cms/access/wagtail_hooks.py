"""Admin registration: the "Zugangsanfragen" viewset and the log actions its decisions write."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .admin_views import AccessRequestViewSet


@hooks.register("register_admin_viewset")
def register_access_requests():
    return AccessRequestViewSet("zugangsanfragen")


@hooks.register("register_log_actions")
def register_access_log_actions(actions):
    actions.register_action("access.approve", _("Zugangsanfrage annehmen"), _("Zugangsanfrage angenommen"))
    actions.register_action("access.reject", _("Zugangsanfrage ablehnen"), _("Zugangsanfrage abgelehnt"))
    actions.register_action(
        "access.resend_invitation", _("Einladung erneut senden"), _("Einladung erneut gesendet")
    )
