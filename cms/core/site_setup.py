"""Create the fixed skeleton of the site: home, sections and the legal pages.

Idempotent and conservative: pages that exist are left alone, so editors' changes survive
every ``make run``. The one exception are legal pages nobody has edited (every revision was
made by this setup, without a user): they follow ``fixtures/site/pages.json``, so a corrected
text there (e.g. the privacy statement) reaches existing installations on the next run.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from wagtail.models import Page, Site

from .models import DataSourcesPage, HomePage, SectionIndexPage, StandardPage

SECTIONS = {"kommunen": "kommunen", "wissen": "wissen"}
LEGAL_PAGES = {
    "impressum": StandardPage,
    "datenschutz": StandardPage,
    "barrierefreiheit": StandardPage,
    "datenquellen": DataSourcesPage,
}


def page_texts() -> dict:
    return json.loads((Path(settings.FIXTURES_ROOT) / "site" / "pages.json").read_text(encoding="utf-8"))


def _publish(page: Page) -> None:
    page.save_revision().publish()


def ensure_tree_roots() -> Page:
    """Wagtail's migrations create the root page, locale and root collection; a flushed database
    (``manage.py flush``, transactional tests) has none of them, so recreate them here."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page), live=True)
        )
    return root


@transaction.atomic
def ensure_site_structure() -> HomePage:
    texts = page_texts()
    root = ensure_tree_roots()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title=texts["home"]["title"], slug="start", intro=texts["home"]["intro"])
        root.add_child(instance=home)
        _publish(home)
        # Replace Wagtail's welcome page as the default site's root.
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=settings.WAGTAIL_SITE_NAME,
            )
        else:
            site.root_page = home
            site.site_name = settings.WAGTAIL_SITE_NAME
            site.save()
        if old_root is not None and old_root.specific_class is Page and not old_root.get_children().exists():
            old_root.delete()

    for slug in SECTIONS:
        if not home.get_children().filter(slug=slug).exists():
            text = texts[slug]
            page = SectionIndexPage(title=text["title"], slug=slug, intro=f"<p>{text['intro']}</p>")
            home.add_child(instance=page)
            _publish(page)

    for slug, model in LEGAL_PAGES.items():
        text = texts[slug]
        existing = home.get_children().filter(slug=slug).first()
        if existing is None:
            page = model(title=text["title"], slug=slug, intro=text["intro"], body=text["body"])
            home.add_child(instance=page)
            _publish(page)
        else:
            update_unedited_page(existing.specific, text)
    return home


def _stored_content(page) -> tuple:
    body = [(block["type"], block["value"]) for block in page.body.get_prep_value()]
    return page.title, page.intro, body


def _fixture_content(text: dict) -> tuple:
    # Through JSON once, as the database stores it, so that equal content compares equal.
    body = [(block["type"], json.loads(json.dumps(block["value"]))) for block in text["body"]]
    return text["title"], text["intro"], body


def update_unedited_page(page, text: dict) -> bool:
    """Bring a legal page in line with the fixture text, unless an editor has touched it.

    "Touched" means any revision saved by a user, or a draft that is not live; such pages are
    left alone. Returns whether a new revision was published.
    """
    if not hasattr(page, "body") or page.has_unpublished_changes or not page.live:
        return False
    if page.revisions.exclude(user=None).exists():
        return False
    if _stored_content(page) == _fixture_content(text):
        return False
    page.title, page.intro, page.body = text["title"], text["intro"], text["body"]
    _publish(page)
    return True


def section(slug: str) -> SectionIndexPage:
    return SectionIndexPage.objects.get(slug=SECTIONS[slug])
