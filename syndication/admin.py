"""The alert subscriptions in the Django admin: to answer a request for access or erasure (Art. 15, 17 DSGVO).

Read-only apart from deleting: an address is found by searching for it, and deleting the rows is
what unsubscribing does. Tokens are never shown.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AlertSubscription


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "frequency", "created_at", "confirmed_at", "last_sent_at"]
    list_filter = ["kind", "frequency", ("confirmed_at", admin.EmptyFieldListFilter)]
    fields = [
        "email",
        "kind",
        "search_params",
        "project",
        "frequency",
        "created_at",
        "confirm_requested_at",
        "confirmed_at",
        "digest_cutoff",
        "last_sent_at",
    ]
    readonly_fields = fields
    search_fields = ["email"]
    search_help_text = _("E-Mail-Adresse eingeben, um alle Benachrichtigungen dieser Adresse zu finden.")
    list_select_related = ["project"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
