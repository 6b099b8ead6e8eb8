import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="session")
def demo_documents(django_db_setup, django_db_blocker) -> list[dict]:
    """Index documents of the full demo content, built once; the database is rolled back after."""
    from search.documents import all_documents

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("setup_demo", verbosity=0)
            documents = list(all_documents())
            transaction.set_rollback(True)
    assert len(documents) >= 100
    return documents
