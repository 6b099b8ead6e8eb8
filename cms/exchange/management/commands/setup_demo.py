"""One idempotent command that makes a usable site: registries, skeleton, demo content, accounts."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cms.core.site_setup import ensure_site_structure
from cms.exchange.importer import ImportFailed, import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage

DEMO_DIR = Path(settings.FIXTURES_ROOT) / "demo"
DEMO_ADMIN = "admin"
DEFAULT_DEMO_PASSWORD = "Beispiel-Plattform-2026"  # development only; set DEMO_PASSWORD to override


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.json"))


def demo_ids(files: list[Path]) -> set[str]:
    ids: set[str] = set()
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for m in data.get("municipalities", []):
            ids.add(m["id"])
            for p in m.get("projects", []):
                ids.add(p["id"])
                ids.update(r["id"] for r in p.get("reports", []))
        ids.update(g["id"] for g in data.get("guides", []))
        ids.update(c["id"] for c in data.get("checklists", []))
    return ids


def existing_ids() -> set[str]:
    ids: set[str] = set()
    for model in (MunicipalityPage, ProjectPage, ExperienceReportPage, EvaluationReportPage, GuidePage, ChecklistPage):
        ids.update(model.objects.exclude(external_id=None).values_list("external_id", flat=True))
    return ids


class Command(BaseCommand):
    help = "Richtet die Plattform mit Registern, Seitenstruktur, Beispieldaten und Demo-Konto ein (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reload", action="store_true", help="Beispieldaten auch dann neu importieren, wenn sie schon da sind."
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="Nur Register und Seitenstruktur, keine Beispieldaten."
        )

    def handle(self, *args, **options):
        call_command("load_registry", stdout=self.stdout)
        ensure_site_structure()
        if not options["no_demo"]:
            files = demo_files()
            if options["reload"] or not demo_ids(files) <= existing_ids():
                try:
                    stats = import_files(files)
                except ImportFailed as failed:
                    for problem in failed.problems:
                        self.stderr.write(str(problem))
                    raise CommandError("Die Beispieldaten sind fehlerhaft; nichts wurde importiert.") from None
                self.stdout.write(f"Beispieldaten: {stats}")
            else:
                self.stdout.write("Beispieldaten sind bereits geladen (--reload erzwingt einen Neuimport).")
        self.ensure_demo_admin()
        self.ensure_demo_role_users()

    def ensure_demo_role_users(self) -> None:
        """Role groups, the review workflow and one demo account per role (cms.accounts)."""
        from cms.accounts.demo import ensure_demo_users
        from cms.accounts.roles import setup_roles

        setup_roles()
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        self.stdout.write("Demo-Konten der Rollen (nur zum Ausprobieren):")
        for result in ensure_demo_users(password):
            account = result.account
            if not result.available:
                self.stdout.write(f"  {account.username}: nicht angelegt, die Kommune fehlt (ohne Beispieldaten)")
                continue
            state = f"Passwort „{password}“" if result.created else "bestehendes Konto, Passwort unverändert"
            self.stdout.write(f"  {account.username} – {account.description} ({state})")

    def ensure_demo_admin(self) -> None:
        User = get_user_model()
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        user, created = User.objects.get_or_create(
            username=DEMO_ADMIN,
            defaults={
                "email": "admin@example.org",
                "is_staff": True,
                "is_superuser": True,
                "first_name": "Demo",
                "last_name": "Administration",
            },
        )
        if created:
            user.set_password(password)
            user.save()
        self.stdout.write(
            self.style.WARNING(
                f"Demo-Konto (nur zum Ausprobieren): Benutzername „{DEMO_ADMIN}“, Passwort „{password}“ "
                f"– Anmeldung unter {settings.WAGTAILADMIN_BASE_URL}/admin/"
                + ("" if created else " (bestehendes Konto, Passwort unverändert)")
            )
        )
