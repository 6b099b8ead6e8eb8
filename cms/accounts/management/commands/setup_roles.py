"""``manage.py setup_roles``: create or complete the role groups and the review workflow."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from cms.accounts.roles import EDITORIAL_GROUP, MUNICIPALITY_GROUP_PREFIX, RESEARCH_GROUP, REVIEW_WORKFLOW, setup_roles


class Command(BaseCommand):
    help = (
        "Legt die Rollen (Gruppen „Redaktion“, „Forschung“, „Kommune …“) mit ihren Rechten und den "
        "Workflow „Redaktionelle Prüfung“ an oder ergänzt sie (idempotent)."
    )

    def handle(self, *args, **options):
        result = setup_roles()
        municipal = Group.objects.filter(name__startswith=MUNICIPALITY_GROUP_PREFIX).count()
        self.stdout.write(
            f"Rollen eingerichtet: „{EDITORIAL_GROUP}“, „{RESEARCH_GROUP}“ und {municipal} Kommunen-Gruppen "
            f"({result['municipality_groups']} Kommunen-Seiten); Workflow „{REVIEW_WORKFLOW}“."
        )
