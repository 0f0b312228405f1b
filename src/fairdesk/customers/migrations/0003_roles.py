"""Give the role groups their permissions on customers, devices and the outbox (core.roles)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from fairdesk.core.roles import sync_roles

    sync_roles(apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
        ("customers", "0002_logincode_last_failed_at_address_one_default"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
