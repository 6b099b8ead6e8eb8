"""Messages after the editorial team approves a page or asks for changes, saying what happens next.

Wagtail's own message after submitting is reworded in ``locale/de`` (one set of verbs:
einreichen, freigeben, Änderungen erbitten). Approving and asking for changes in the review
dialog (dashboard, page listing) gives no message at all in Wagtail, and from the editor only
"Seite aktualisiert". Both ways end in Wagtail's workflow signals, which know the user but not
the request; ``ReviewMessagesMiddleware`` lends them the request of the admin POST they happen in.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from wagtail.signals import task_rejected, workflow_approved

_current_request: ContextVar[HttpRequest | None] = ContextVar("review_request", default=None)


class ReviewMessagesMiddleware:
    """Makes the POST request available to the workflow signal receivers below while it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _page_title(workflow_state) -> str:
    obj = workflow_state.content_object
    return obj.get_admin_display_title() if hasattr(obj, "get_admin_display_title") else str(obj)


def approved_message(title: str, live: bool) -> str:
    if live:
        return _(
            "„%(title)s“ ist freigegeben und veröffentlicht: Die Seite ist jetzt öffentlich und in der Suche "
            "zu finden. Wer sie eingereicht hat, erhält eine Nachricht."
        ) % {"title": title}
    return _(
        "„%(title)s“ ist freigegeben und wird zum geplanten Zeitpunkt veröffentlicht. "
        "Wer die Seite eingereicht hat, erhält eine Nachricht."
    ) % {"title": title}


def changes_requested_message(title: str) -> str:
    return _(
        "Für „%(title)s“ sind Änderungen erbeten. Wer die Seite eingereicht hat, erhält eine Nachricht mit "
        "Ihrem Kommentar, überarbeitet die Seite und reicht sie erneut zur Prüfung ein."
    ) % {"title": title}


@receiver(workflow_approved, dispatch_uid="accounts.review_messages.approved")
def tell_approved(sender, instance, user=None, **kwargs) -> None:
    request = _current_request.get()
    if request is None:
        return
    # The workflow state's own copy of the page predates the publishing that approval just did.
    obj = instance.content_object
    live = bool(type(obj)._default_manager.filter(pk=obj.pk, live=True).exists()) if hasattr(obj, "live") else True
    messages.success(request, approved_message(_page_title(instance), live), fail_silently=True)


@receiver(task_rejected, dispatch_uid="accounts.review_messages.rejected")
def tell_changes_requested(sender, instance, user=None, **kwargs) -> None:
    request = _current_request.get()
    if request is None:
        return
    messages.success(request, changes_requested_message(_page_title(instance.workflow_state)), fail_silently=True)
