"""Wagtail's publishing signals → outbox rows. Raw saves (drafts, revisions) index nothing."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import IndexTask
from .sync import enqueue, enqueue_page


@receiver(page_published)
def on_publish(sender, instance: Page, **kwargs) -> None:
    enqueue_page(instance, IndexTask.Action.INDEX)


@receiver(page_unpublished)
def on_unpublish(sender, instance: Page, **kwargs) -> None:
    enqueue_page(instance, IndexTask.Action.DELETE)


@receiver(post_page_move)
def on_move(sender, instance: Page, **kwargs) -> None:
    enqueue_page(instance, IndexTask.Action.INDEX)


@receiver(post_delete)
def on_delete(sender, instance, **kwargs) -> None:
    # Deleting a page deletes its descendants row by row, so each sends its own signal.
    if isinstance(instance, Page) and type(instance) is Page:
        enqueue([instance.pk], IndexTask.Action.DELETE)
