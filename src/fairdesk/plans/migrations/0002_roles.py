"""Give the role groups their permissions on service plans (core.roles)."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from fairdesk.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
        ("plans", "0001_initial"),
        # after the other apps' role migrations, so that this sync is the last word
        ("service_requests", "0003_roles"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
