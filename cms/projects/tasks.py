"""Background tasks of the project pages: a report's PDF text is extracted off the editor's request.

Queued by ``ReportPage.save`` when the attached file changed (see ``pdf_fingerprint``) and run by
the worker of the "background" task backend (cms/settings/base.py, TASKS). The search layer sits
above this one and may not be imported here, so the task announces new text with the
``pdf_text_extracted`` signal; search/signals.py turns it into an outbox row for the report.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_tasks import task
from wagtail.models import Page

from .models import ReportPage, extract_pdf_text, pdf_fingerprint
from .signals import pdf_text_extracted


@task(backend=settings.BACKGROUND_TASKS)
def extract_report_pdf_text(page_id: int) -> bool:
    """Extract the text of report ``page_id``'s PDF into ``pdf_text``; True if it was written.

    Safe to run twice and late: a report whose text already belongs to its file is left alone
    (two saves before the worker ran queue two tasks, the second finds the work done), and text
    of a file that was replaced while this one was parsed is thrown away (the replacing save
    queued a task of its own).
    """
    page = Page.objects.filter(pk=page_id).specific().first()
    if not isinstance(page, ReportPage):
        return False  # deleted meanwhile
    document = page.pdf if page.pdf_id else None
    fingerprint = pdf_fingerprint(document)
    if page.pdf_fingerprint == fingerprint:
        return False
    text = extract_pdf_text(document) if document is not None else ""
    with transaction.atomic():
        report = type(page).objects.select_for_update().filter(pk=page_id).first()
        if report is None or pdf_fingerprint(report.pdf if report.pdf_id else None) != fingerprint:
            return False
        report.pdf_text, report.pdf_fingerprint = text, fingerprint
        # A real save, so that Wagtail's admin search index learns the text as well.
        report.save(update_fields=["pdf_text", "pdf_fingerprint"], clean=False)
        # Inside the transaction: the search outbox row commits together with the text.
        pdf_text_extracted.send(sender=type(report), instance=report)
    return True


def extract_missing_pdf_texts(limit: int) -> int:
    """Run the extraction here, now, for up to ``limit`` reports whose PDF text was never extracted.

    For `manage.py maintenance`: a task that failed, or whose worker died while it ran, is not
    retried by the queue, and the report would stay unfindable by its PDF until its next save.
    Such reports are known by their empty fingerprint. Run in this process rather than queued
    again, so that a stopped worker does not collect another copy every hour; a queued task for
    the same report later finds the work done. Returns how many reports got new text.
    """
    extracted = 0
    for model in apps.get_models():
        if not issubclass(model, ReportPage):
            continue
        missing = model.objects.filter(pdf__isnull=False, pdf_fingerprint="").order_by("pk")
        for page_id in missing.values_list("pk", flat=True)[: limit - extracted]:
            if extract_report_pdf_text.call(page_id):
                extracted += 1
        if extracted >= limit:
            break
    return extracted
