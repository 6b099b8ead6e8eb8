"""The platform's roles as Wagtail groups, set up by code.

Who may do what is decided in two layers:

1. Wagtail's own permissions, granted here: page permissions on a subtree, collection
   permissions for images and documents, model permissions for the registry snippets.
2. Rules Wagtail's permissions cannot express (page *types* per role, researchers' reports
   under municipal projects), enforced by admin hooks in ``cms.accounts.wagtail_hooks`` with
   the rules in ``cms.accounts.policy``.

The roles:

- "Kommune <Name>": one group per participating municipality. Add and edit in the
  municipality's subtree (profile, projects, experience reports), no publish permission:
  everything goes through the review workflow. Own collection for images and documents.
- "Forschung": add and edit under "Wissen" (guides, checklists, Prüfraster); add under
  "Kommunen", which the hooks narrow to evaluation reports under a project.
- "Redaktion": reviews (the workflow's approval task), publishes, unpublishes, deletes and
  locks on the whole site, manages the registry snippets.
- Platform administrators are superusers; no group needed.

Everything here is idempotent: it only adds what is missing, so running it again (every
``setup_demo``, every ``migrate``) never removes what administrators granted in addition.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

ROLE_KOMMUNE = "kommune"
ROLE_FORSCHUNG = "forschung"
ROLES = {ROLE_KOMMUNE: _("Kommune"), ROLE_FORSCHUNG: _("Forschung")}

# Group and workflow names are stored data, not translated at runtime: they are German on purpose.
MUNICIPALITY_GROUP_PREFIX = "Kommune "
RESEARCH_GROUP = "Forschung"
EDITORIAL_GROUP = "Redaktion"
REVIEW_WORKFLOW = "Redaktionelle Prüfung"
REVIEW_TASK = "Prüfung durch die Redaktion"
RESEARCH_COLLECTION = "Forschung"

ADMIN_ACCESS = ("wagtailadmin", "access_admin")

# Page permission actions (Wagtail's PAGE_PERMISSION_TYPES) per role.
MUNICIPALITY_PAGE_ACTIONS = ("add", "change")
RESEARCH_KNOWLEDGE_ACTIONS = ("add", "change")
RESEARCH_MUNICIPALITIES_ACTIONS = ("add",)
EDITORIAL_PAGE_ACTIONS = ("add", "change", "publish", "bulk_delete", "lock", "unlock")

# Collection permissions: editors upload into and choose from their own collection only.
MEDIA_CONTRIBUTOR = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)
MEDIA_MANAGER = MEDIA_CONTRIBUTOR + (
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "delete_document"),
)

# The registry snippets the editorial team maintains. The municipality register comes from
# Destatis (load_registry): the team may correct entries but not add or delete any.
TAXONOMY_MODELS = ("guideline", "leitbildattribute", "recommendation", "actorgroup", "actionfield")
EDITORIAL_MODEL_PERMISSIONS = tuple(
    ("registry", f"{action}_{model}") for model in TAXONOMY_MODELS for action in ("add", "change", "delete", "view")
) + (("registry", "view_municipality"), ("registry", "change_municipality"))


# -- permissions -----------------------------------------------------------------------------
def permission(app_label: str, codename: str) -> Permission:
    """The permission row, created if missing.

    After ``flush`` or during ``post_migrate`` the rows of apps later in INSTALLED_APPS may
    not exist yet; Django's own creator is idempotent, so calling it here is safe.
    """
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if found is None:
        create_permissions(global_apps.get_app_config(app_label), verbosity=0)
        found = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    return found


def _grant_model_permissions(group: Group, perms) -> None:
    group.permissions.add(*(permission(app, codename) for app, codename in perms))


def _grant_page_permissions(group: Group, page: Page, actions) -> None:
    for action in actions:
        GroupPagePermission.objects.get_or_create(
            group=group, page_id=page.pk, permission=permission("wagtailcore", f"{action}_page")
        )


def _grant_collection_permissions(group: Group, collection: Collection, perms) -> None:
    for app, codename in perms:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission(app, codename)
        )


def _root_collection() -> Collection:
    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def _own_collection(group: Group, name: str) -> Collection:
    """The group's collection: the one it already has rights on, else a new child of the root."""
    root = _root_collection()
    existing = Collection.objects.filter(group_permissions__group=group).exclude(pk=root.pk).order_by("path").first()
    if existing is not None:
        return existing
    return root.add_child(name=name)


# -- the three kinds of groups ---------------------------------------------------------------
def _municipality_group_name(page) -> str:
    """ "Kommune <Name>"; a second municipality of the same name gets its AGS appended."""
    name = f"{MUNICIPALITY_GROUP_PREFIX}{page.municipality.name}"
    if Group.objects.filter(name=name).exists():
        name = f"{name} ({page.municipality.ags})"
    return name[:150]


def existing_municipality_group(page) -> Group | None:
    """The group found through its page permissions, so renaming the group breaks nothing."""
    return (
        Group.objects.filter(
            page_permissions__page_id=page.pk,
            page_permissions__permission__codename="change_page",
            name__startswith=MUNICIPALITY_GROUP_PREFIX,
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def municipality_group(page) -> Group:
    """The editor group of a municipality's page, created with its permissions if missing."""
    group = existing_municipality_group(page)
    if group is None:
        group = Group.objects.create(name=_municipality_group_name(page))
    _grant_model_permissions(group, [ADMIN_ACCESS])
    _grant_page_permissions(group, page, MUNICIPALITY_PAGE_ACTIONS)
    _grant_collection_permissions(group, _own_collection(group, group.name), MEDIA_CONTRIBUTOR)
    return group


@transaction.atomic
def research_group() -> Group:
    group, _created = Group.objects.get_or_create(name=RESEARCH_GROUP)
    _grant_model_permissions(group, [ADMIN_ACCESS])
    _grant_collection_permissions(group, _own_collection(group, RESEARCH_COLLECTION), MEDIA_CONTRIBUTOR)
    wissen, kommunen = section_page("wissen"), section_page("kommunen")
    if wissen is not None:
        _grant_page_permissions(group, wissen, RESEARCH_KNOWLEDGE_ACTIONS)
    if kommunen is not None:
        # Needed to add evaluation reports under any project; the hooks stop everything else.
        _grant_page_permissions(group, kommunen, RESEARCH_MUNICIPALITIES_ACTIONS)
    return group


def page_metadata_permission() -> Permission:
    """The permission to see and change slug, SEO fields, menus, external id and demo flag
    (``cms.core.panels``); defined on Wagtail's page content type, which no model of ours declares."""
    from django.contrib.contenttypes.models import ContentType

    from cms.core.panels import METADATA_PERMISSION_CODENAME, METADATA_PERMISSION_NAME

    found, _created = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(Page, for_concrete_model=False),
        codename=METADATA_PERMISSION_CODENAME,
        defaults={"name": METADATA_PERMISSION_NAME},
    )
    return found


@transaction.atomic
def editorial_group() -> Group:
    group, _created = Group.objects.get_or_create(name=EDITORIAL_GROUP)
    _grant_model_permissions(group, [ADMIN_ACCESS, *EDITORIAL_MODEL_PERMISSIONS])
    group.permissions.add(page_metadata_permission())
    _grant_collection_permissions(group, _root_collection(), MEDIA_MANAGER)
    root = Page.get_first_root_node()
    if root is not None:
        # The tree root rather than the home page: the group keeps its rights if the site's
        # home page is ever replaced, like Wagtail's own default groups.
        _grant_page_permissions(group, root, EDITORIAL_PAGE_ACTIONS)
    return group


@transaction.atomic
def review_workflow(home: Page | None = None) -> Workflow:
    """ "Redaktionelle Prüfung": one group approval task for the editorial team, on the home page.

    An existing workflow assignment of the home page is left alone: administrators may have
    chosen another one on purpose.
    """
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK).order_by("pk").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK)
    task.groups.add(editorial_group())
    workflow, _created = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=workflow.workflow_tasks.count())
    home = home or home_page()
    if home is not None:
        WorkflowPage.objects.get_or_create(page=home, defaults={"workflow": workflow})
    return workflow


def section_page(key: str) -> Page | None:
    """The "kommunen" or "wissen" section, if the site skeleton exists yet."""
    from cms.core.models import SectionIndexPage
    from cms.core.site_setup import SECTIONS

    return SectionIndexPage.objects.filter(slug=SECTIONS[key]).order_by("path").first()


def home_page() -> Page | None:
    """The platform's home page (there is at most one), not whatever the site points at:
    during the first setup the site still points at Wagtail's welcome page."""
    from cms.core.models import HomePage

    return HomePage.objects.first()


def setup_roles() -> dict[str, int]:
    """Create or complete all groups, their permissions and the review workflow."""
    from cms.projects.models import MunicipalityPage

    editorial_group()
    research_group()
    municipality_groups = [municipality_group(page) for page in MunicipalityPage.objects.select_related("municipality")]
    review_workflow()
    return {"municipality_groups": len(municipality_groups)}


# -- assigning roles -------------------------------------------------------------------------
def grant_role(user, role: str, municipality_page=None) -> Group:
    """Give a user a role: add them to the role's group and return it.

    ``is_staff`` stays as it is on purpose: Wagtail's admin needs only the group's
    ``wagtailadmin.access_admin`` permission, while ``is_staff`` would open Django's own admin
    under /django-admin/, which no role needs. The editorial role cannot be granted here:
    this is what the public access-request form calls.
    """
    if role == ROLE_KOMMUNE:
        if municipality_page is None:
            raise ValueError("Die Rolle „kommune“ braucht die Seite der Kommune.")
        group = municipality_group(municipality_page)
    elif role == ROLE_FORSCHUNG:
        group = research_group()
    else:
        raise ValueError(f"Unbekannte Rolle {role!r}; erlaubt sind {ROLE_KOMMUNE!r} und {ROLE_FORSCHUNG!r}.")
    user.groups.add(group)
    return group
