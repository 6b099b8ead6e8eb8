"""Wagtail's publishing signals → outbox rows. Raw saves (drafts, revisions) index nothing."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.projects.models import ProjectAdaptation, ProjectPage
from cms.projects.signals import pdf_text_extracted

from .models import IndexTask
from .sync import enqueue, enqueue_page


def _sources_of(page: Page) -> list[int]:
    """The projects ``page`` is adapted from: their reuse count changes when it is (un)published."""
    if not isinstance(page, ProjectPage):
        return []
    return list(ProjectAdaptation.objects.filter(page_id=page.pk).values_list("source_id", flat=True))


@receiver(page_published)
def on_publish(sender, instance: Page, **kwargs) -> None:
    enqueue_page(instance, IndexTask.Action.INDEX)
    enqueue(_sources_of(instance), IndexTask.Action.INDEX)


@receiver(page_unpublished)
def on_unpublish(sender, instance: Page, **kwargs) -> None:
    enqueue_page(instance, IndexTask.Action.DELETE)
    enqueue(_sources_of(instance), IndexTask.Action.INDEX)


@receiver(post_delete, sender=ProjectAdaptation)
def on_lineage_removed(sender, instance: ProjectAdaptation, **kwargs) -> None:
    # A link dropped when its project is published, or deleted with either project: the source's
    # reuse count may change (if the source itself is gone, its later delete task wins).
    enqueue([instance.source_id], IndexTask.Action.INDEX)


@receiver(pdf_text_extracted)
def on_pdf_text_extracted(sender, instance: Page, **kwargs) -> None:
    # The background task wrote the report's PDF text after its publish was indexed.
    enqueue_page(instance, IndexTask.Action.INDEX, with_descendants=False)


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def on_view_restriction_changed(sender, instance: PageViewRestriction, **kwargs) -> None:
    # A restriction applies to the page and everything below it, without any publish: the drain
    # decides per page (``document_for`` refuses restricted pages, so they leave the index).
    enqueue_page(instance.page, IndexTask.Action.INDEX)


@receiver(post_page_move)
def on_move(sender, instance: Page, **kwargs) -> None:
    enqueue_page(instance, IndexTask.Action.INDEX)


@receiver(post_delete)
def on_delete(sender, instance, **kwargs) -> None:
    # Deleting a page deletes its descendants row by row, so each sends its own signal.
    if isinstance(instance, Page) and type(instance) is Page:
        enqueue([instance.pk], IndexTask.Action.DELETE)
