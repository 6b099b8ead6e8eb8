"""Setting the roles up: groups, permissions, collections, workflow, demo accounts; idempotent."""

from __future__ import annotations

import io
import os
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import TestCase
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.accounts import roles
from cms.accounts.demo import DEMO_ACCOUNTS, ensure_demo_users
from cms.core.site_setup import ensure_site_structure, section
from cms.projects.models import MunicipalityPage
from registry.loaders import load_taxonomy
from registry.models import Municipality
from tests import factories

from .base import RolesTestCase


def page_permissions(group) -> set[tuple[str, str]]:
    return {(p.page.slug, p.permission.codename) for p in group.page_permissions.select_related("page", "permission")}


def state() -> dict:
    return {
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "group_permissions": sorted(Group.permissions.through.objects.values_list("group_id", "permission_id")),
        "page_permissions": GroupPagePermission.objects.count(),
        "collection_permissions": GroupCollectionPermission.objects.count(),
        "collections": Collection.objects.count(),
        "workflows": Workflow.objects.count(),
        "tasks": Task.objects.count(),
        "workflow_tasks": WorkflowTask.objects.count(),
        "workflow_pages": WorkflowPage.objects.count(),
    }


@pytest.mark.django_db
def test_migrate_creates_the_groups_on_a_fresh_database():
    """``post_migrate`` runs setup_roles, so a new installation has the groups before anyone acts."""
    Group.objects.filter(name__in=[roles.EDITORIAL_GROUP, roles.RESEARCH_GROUP]).delete()
    call_command("migrate", verbosity=0)
    editorial = Group.objects.get(name=roles.EDITORIAL_GROUP)
    research = Group.objects.get(name=roles.RESEARCH_GROUP)
    assert editorial.permissions.filter(codename="access_admin").exists()
    assert research.permissions.filter(codename="access_admin").exists()
    assert ("root", "publish_page") in page_permissions(editorial)


class SetupTests(RolesTestCase):
    def test_setup_roles_is_idempotent(self):
        before = state()
        roles.setup_roles()
        roles.setup_roles()
        self.assertEqual(state(), before)
        self.assertEqual(Workflow.objects.filter(name=roles.REVIEW_WORKFLOW).count(), 1)

    def test_command(self):
        out = io.StringIO()
        call_command("setup_roles", stdout=out)
        self.assertIn("Rollen eingerichtet", out.getvalue())
        self.assertIn("2 Kommunen-Gruppen", out.getvalue())

    def test_role_permissions(self):
        editorial = Group.objects.get(name=roles.EDITORIAL_GROUP)
        research = Group.objects.get(name=roles.RESEARCH_GROUP)
        kommune = Group.objects.get(name="Kommune Bad Endorf")
        self.assertEqual(
            page_permissions(editorial),
            {("root", f"{a}_page") for a in ("add", "change", "publish", "bulk_delete", "lock", "unlock")},
        )
        self.assertEqual(
            page_permissions(research), {("wissen", "add_page"), ("wissen", "change_page"), ("kommunen", "add_page")}
        )
        self.assertEqual(page_permissions(kommune), {("bad-endorf", "add_page"), ("bad-endorf", "change_page")})
        # Nobody but the editorial team may publish.
        self.assertFalse(
            GroupPagePermission.objects.filter(permission__codename="publish_page")
            .exclude(group__name__in=[roles.EDITORIAL_GROUP, "Moderators"])
            .exists()
        )
        # Snippets: the taxonomy is the editorial team's.
        self.assertTrue(editorial.permissions.filter(codename="change_guideline").exists())
        self.assertFalse(editorial.permissions.filter(codename="delete_municipality").exists())
        self.assertFalse(research.permissions.filter(content_type__app_label="registry").exists())
        self.assertFalse(kommune.permissions.filter(content_type__app_label="registry").exists())
        # Collections: own one each, the editorial team manages all.
        kommune_collections = {p.collection.name for p in kommune.collection_permissions.all()}
        self.assertEqual(kommune_collections, {"Kommune Bad Endorf"})
        self.assertEqual({p.collection.name for p in research.collection_permissions.all()}, {"Forschung"})
        self.assertEqual({p.collection.depth for p in editorial.collection_permissions.all()}, {1})

    def test_new_municipality_page_gets_its_group_and_collection(self):
        page = MunicipalityPage(title="München", slug="muenchen", municipality=Municipality.objects.get(ags="09162000"))
        self.kommunen.add_child(instance=page)
        group = roles.existing_municipality_group(page)
        self.assertEqual(group.name, "Kommune München")
        self.assertEqual(page_permissions(group), {("muenchen", "add_page"), ("muenchen", "change_page")})
        self.assertEqual({p.collection.name for p in group.collection_permissions.all()}, {"Kommune München"})
        self.assertEqual(roles.municipality_group(page), group)  # found again, not duplicated

        user = get_user_model().objects.create_user("moritz", "moritz@example.org", "x")
        roles.grant_role(user, roles.ROLE_KOMMUNE, municipality_page=page)
        self.client.force_login(user)
        self.assertEqual(self.client.get(self.url("edit", page.pk)).status_code, 200)
        self.assertFalse(page.permissions_for_user(user).can_publish())

    def test_second_municipality_of_the_same_name_gets_its_own_group(self):
        twin = Municipality.objects.get(ags="09187128")
        twin.pk, twin.ags = None, "09999999"
        twin.save()
        page = MunicipalityPage(title="Bad Endorf", slug="bad-endorf-2", municipality=twin)
        self.kommunen.add_child(instance=page)
        group = roles.existing_municipality_group(page)
        self.assertEqual(group.name, "Kommune Bad Endorf (09999999)")
        self.assertNotEqual(group, roles.existing_municipality_group(self.muni_a))

    def test_grant_role(self):
        User = get_user_model()
        user = User.objects.create_user("neu", "neu@example.org", "x")
        self.assertFalse(user.has_perm("wagtailadmin.access_admin"))
        group = roles.grant_role(user, roles.ROLE_FORSCHUNG)
        self.assertEqual(group.name, roles.RESEARCH_GROUP)
        user = User.objects.get(pk=user.pk)  # fresh permission cache
        self.assertTrue(user.has_perm("wagtailadmin.access_admin"))
        self.assertFalse(user.is_staff)  # Wagtail needs the group permission, not is_staff
        self.assertEqual(roles.grant_role(user, roles.ROLE_FORSCHUNG), group)
        self.assertEqual(list(user.groups.all()), [group])

        self.assertEqual(roles.grant_role(user, roles.ROLE_KOMMUNE, self.muni_b).name, "Kommune Boppard")
        with self.assertRaises(ValueError):
            roles.grant_role(user, roles.ROLE_KOMMUNE)
        with self.assertRaises(ValueError):
            roles.grant_role(user, "redaktion")  # never through the public access form
        self.assertFalse(user.groups.filter(name=roles.EDITORIAL_GROUP).exists())

    def test_public_api_returns_groups(self):
        self.assertEqual(roles.editorial_group().name, "Redaktion")
        self.assertEqual(roles.research_group().name, "Forschung")
        self.assertEqual(roles.municipality_group(self.muni_a).name, "Kommune Bad Endorf")
        self.assertEqual(section("kommunen").get_workflow().name, roles.REVIEW_WORKFLOW)


class DemoAccountTests(TestCase):
    """The demo municipalities Husum and Eschwege, imported like the demo data."""

    @classmethod
    def setUpTestData(cls):
        load_taxonomy()
        factories.sample_municipalities(["01054056", "06636003"])
        ensure_site_structure()
        for ags, slug in (("01054056", "husum"), ("06636003", "eschwege")):
            page = MunicipalityPage(title=slug.title(), slug=slug, municipality=Municipality.objects.get(ags=ags))
            section("kommunen").add_child(instance=page)
            page.save_revision().publish()

    def test_demo_accounts_for_every_role(self):
        results = ensure_demo_users("Demo-Passwort-1")
        self.assertEqual([r.account.username for r in results], [a.username for a in DEMO_ACCOUNTS])
        self.assertTrue(all(r.created and r.available for r in results))
        User = get_user_model()
        groups = {u.username: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()}
        self.assertEqual(
            groups,
            {
                "redaktion": ["Redaktion"],
                "forschung": ["Forschung"],
                "kommune-husum": ["Kommune Husum"],
                "kommune-eschwege": ["Kommune Eschwege"],
            },
        )
        # They can log in through the admin's login form.
        response = self.client.post("/admin/login/", {"username": "kommune-husum", "password": "Demo-Passwort-1"})
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

        # Again: nothing new, passwords kept.
        again = ensure_demo_users("anderes Passwort")
        self.assertFalse(any(r.created for r in again))
        self.assertTrue(User.objects.get(username="forschung").check_password("Demo-Passwort-1"))

    def test_setup_demo_creates_and_prints_them(self):
        out = io.StringIO()
        # The registry and demo import are tested elsewhere and take long; the pages exist here.
        with (
            mock.patch("cms.exchange.management.commands.setup_demo.call_command"),
            mock.patch.dict(os.environ, {"DEMO_PASSWORD": "Aus-der-Umgebung-7"}),
        ):
            call_command("setup_demo", "--no-demo", stdout=out)
            call_command("setup_demo", "--no-demo", stdout=out)
        text = out.getvalue()
        for username in ("redaktion", "forschung", "kommune-husum", "kommune-eschwege"):
            self.assertIn(f"  {username} – ", text)
        self.assertIn("Passwort „Aus-der-Umgebung-7“", text)
        self.assertIn("bestehendes Konto, Passwort unverändert", text)
        user = get_user_model().objects.get(username="kommune-eschwege")
        self.assertTrue(user.check_password("Aus-der-Umgebung-7"))
        self.assertEqual(MunicipalityPage.objects.get(slug="eschwege").get_workflow().name, roles.REVIEW_WORKFLOW)
