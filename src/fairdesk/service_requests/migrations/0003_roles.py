"""Give the role groups their permissions on service requests and outlet staff (core.roles)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from fairdesk.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
        ("network", "0002_outletmember"),
        ("service_requests", "0002_default_policies"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
