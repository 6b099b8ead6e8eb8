"""The admin's "Steckbriefe hochladen" (cms.exchange.onboarding): its URLs and its menu item."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import onboarding


@hooks.register("register_admin_urls")
def register_onboarding_urls():
    return [
        path("steckbriefe-hochladen/", onboarding.upload_view, name="exchange_onboarding"),
        path("steckbriefe-hochladen/bestaetigen/", onboarding.confirm_view, name="exchange_onboarding_confirm"),
        path("steckbriefe-hochladen/vorlage.xlsx", onboarding.template_view, name="exchange_onboarding_template"),
        path(
            "steckbriefe-hochladen/kommune/<int:page_id>/steckbriefe.xlsx",
            onboarding.export_view,
            name="exchange_onboarding_export",
        ),
    ]


class OnboardingMenuItem(MenuItem):
    """Shown only to Kommune, Forschung and Redaktion: nobody else may upload content."""

    def is_shown(self, request) -> bool:
        return onboarding.has_onboarding_role(request.user)


@hooks.register("register_admin_menu_item")
def register_onboarding_menu_item():
    return OnboardingMenuItem(
        gettext_lazy("Steckbriefe hochladen"), reverse("exchange_onboarding"), icon_name="upload", order=60
    )
