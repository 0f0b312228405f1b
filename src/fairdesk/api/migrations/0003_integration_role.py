"""The ``integration`` role (core.roles): the group an API integration's user is put in, which
files service requests for any customer. A token has exactly its user's rights."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from fairdesk.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_generation"),
        ("api", "0002_access_generation"),
        # after the latest migration of every app with role permissions, so that this sync is
        # the last word
        ("contact", "0002_roles"),
        ("customers", "0003_roles"),
        ("network", "0002_outletmember"),
        ("notifications", "0004_outbox_deliverer"),
        ("plans", "0005_planevent_kind_choices"),
        ("service_requests", "0010_generations"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
