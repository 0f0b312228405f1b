"""Give the role groups their permissions on the contact centre (core.roles)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from fairdesk.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
        ("contact", "0001_initial"),
        # after the latest migration of every app with role permissions, so that this sync is
        # the last word
        ("customers", "0003_roles"),
        ("network", "0002_outletmember"),
        ("notifications", "0002_message_claim"),
        ("plans", "0004_change_credit_split"),
        ("service_requests", "0003_roles"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
