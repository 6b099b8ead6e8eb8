"""Clean the rich text already stored before fields sanitised themselves (see cms.core.sanitize)."""

from django.db import migrations


def sanitize(apps, schema_editor):
    from cms.core.sanitize import sanitize_stored_rich_text

    sanitize_stored_rich_text(apps.get_app_config("projects").get_models(), apps.get_model("wagtailcore", "Revision"))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_project_adaptation"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(sanitize, migrations.RunPython.noop, elidable=True)]
