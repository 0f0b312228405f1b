"""Brand administrators read the staff password lock's records and lift locks (core.roles)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from fairdesk.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_roles"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
