"""The access configuration's generation: triggers that renew it whenever an API token, a client,
a user, a group, a membership or a customer's user changes (``config.ACCESS_TABLES``), so that a
process may keep authenticated tokens in memory (``config.access_config``).

The routing configuration's triggers are installed again: on SQLite their statement now renews
the generation also under an INSERT OR IGNORE (see ``config.install_triggers``)."""

import random

from django.db import migrations


def forwards(apps, schema_editor):
    from fairdesk.service_requests.config import ACCESS, ACCESS_TABLES, install_triggers

    install_triggers(schema_editor)  # the routing configuration's, as above
    generation = apps.get_model("service_requests", "ConfigGeneration")
    generation.objects.using(schema_editor.connection.alias).update_or_create(
        name=ACCESS, defaults={"value": random.getrandbits(53)}
    )
    install_triggers(schema_editor, ACCESS_TABLES, ACCESS)


def backwards(apps, schema_editor):
    from fairdesk.service_requests.config import ACCESS, ACCESS_TABLES, drop_triggers

    drop_triggers(schema_editor, ACCESS_TABLES, ACCESS)
    generation = apps.get_model("service_requests", "ConfigGeneration")
    generation.objects.using(schema_editor.connection.alias).filter(name=ACCESS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("customers", "0003_roles"),
        ("network", "0002_outletmember"),
        ("service_requests", "0005_request_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
