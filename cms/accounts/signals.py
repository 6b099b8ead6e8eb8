"""Keep the roles in step with the site: new municipality pages get their group at once.

Without this, a municipality added in the admin (or by an approved access request) would
have a page nobody but the editorial team could edit until someone ran ``setup_roles``.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_save
from django.dispatch import receiver

from cms.core.models import HomePage, SectionIndexPage
from cms.projects.models import MunicipalityPage

from . import roles


@receiver(post_save, sender=MunicipalityPage)
def create_municipality_group(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        roles.municipality_group(instance)


@receiver(post_save, sender=SectionIndexPage)
def grant_section_permissions(sender, instance, created, raw=False, **kwargs):
    """The research group's rights hang on the sections, which the site setup creates later."""
    if created and not raw:
        roles.research_group()


@receiver(post_save, sender=HomePage)
def assign_review_workflow(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        roles.review_workflow(home=instance)


def _fully_migrated(using: str) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def setup_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, verbosity=1, **kwargs):
    """A fresh database gets the groups and workflow right after ``migrate``.

    ``flush`` (transactional tests) sends the signal too, without a plan; the schema is
    complete then. After a partial ``migrate app 0001`` the models may not match the tables,
    so nothing is done until the database is fully migrated.
    """
    if using != DEFAULT_DB_ALIAS:
        return
    if plan is not None and not _fully_migrated(using):
        return
    result = roles.setup_roles()
    stdout = kwargs.get("stdout")
    if verbosity >= 2 and stdout is not None:
        stdout.write(f"Rollen eingerichtet: {result}\n")
