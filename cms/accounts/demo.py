"""Demo accounts, one per role, so every role can be tried out right after ``make run``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from cms.projects.models import MunicipalityPage

from .roles import ROLE_FORSCHUNG, ROLE_KOMMUNE, editorial_group, grant_role


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # ROLE_KOMMUNE, ROLE_FORSCHUNG or "redaktion"
    description: str
    first_name: str
    last_name: str
    ags: str = ""  # the municipality, for ROLE_KOMMUNE


ROLE_REDAKTION = "redaktion"  # not grantable through grant_role(): only here and by administrators

DEMO_ACCOUNTS = (
    DemoAccount(
        "redaktion", ROLE_REDAKTION, "Redaktion: prüft, veröffentlicht, pflegt die Charta-Begriffe", "Demo", "Redaktion"
    ),
    DemoAccount(
        "forschung", ROLE_FORSCHUNG, "Forschung: Leitfäden, Checklisten, Evaluationsberichte", "Demo", "Forschung"
    ),
    DemoAccount(
        "kommune-husum",
        ROLE_KOMMUNE,
        "Kommune Husum: Profil, Projekte, Erfahrungsberichte",
        "Demo",
        "Husum",
        "01054056",
    ),
    DemoAccount(
        "kommune-eschwege",
        ROLE_KOMMUNE,
        "Kommune Eschwege: Profil, Projekte, Erfahrungsberichte",
        "Demo",
        "Eschwege",
        "06636003",
    ),
)


@dataclass(frozen=True)
class DemoAccountResult:
    account: DemoAccount
    created: bool
    available: bool  # False if the account's municipality has no page (setup_demo --no-demo)


def ensure_demo_users(password: str) -> list[DemoAccountResult]:
    """Create the demo accounts and their roles; idempotent.

    Existing accounts keep their password (someone may have changed it) but get their role
    back if it was taken away.
    """
    User = get_user_model()
    results = []
    for account in DEMO_ACCOUNTS:
        page = None
        if account.role == ROLE_KOMMUNE:
            page = MunicipalityPage.objects.filter(municipality__ags=account.ags).first()
            if page is None:
                results.append(DemoAccountResult(account, created=False, available=False))
                continue
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "email": f"{account.username}@example.org",
                "first_name": account.first_name,
                "last_name": account.last_name,
            },
        )
        if created:
            user.set_password(password)
            user.save()
        if account.role == ROLE_REDAKTION:
            user.groups.add(editorial_group())
        else:
            grant_role(user, account.role, municipality_page=page)
        results.append(DemoAccountResult(account, created=created, available=True))
    return results
