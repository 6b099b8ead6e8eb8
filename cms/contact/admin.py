"""Read-only view of the relay log for abuse handling (Django admin, superusers and staff)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ContactRelayLog, hash_sender


@admin.register(ContactRelayLog)
class ContactRelayLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "project", "status", "reason"]
    list_filter = ["status", "reason", "created_at"]
    readonly_fields = ["created_at", "project", "status", "reason", "sender_hash"]
    search_fields = ["sender_hash"]
    search_help_text = _(
        "E-Mail-Adresse eingeben: gesucht wird nach ihrem Hash, denn die Adresse selbst ist nicht gespeichert."
    )
    date_hierarchy = "created_at"

    def get_search_results(self, request, queryset, search_term):
        """An e-mail address is hashed first, so a complaint's sender can be found without storing addresses."""
        if "@" in search_term:
            return queryset.filter(sender_hash=hash_sender(search_term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
