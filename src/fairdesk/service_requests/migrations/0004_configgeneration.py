"""The routing configuration's generation (``ConfigGeneration``) and the triggers that renew it
whenever outlets, coverage, SLA policies or business calendars change (``config``)."""

import random

from django.db import migrations, models


def forwards(apps, schema_editor):
    from fairdesk.service_requests.config import ROUTING, install_triggers

    generation = apps.get_model("service_requests", "ConfigGeneration")
    generation.objects.using(schema_editor.connection.alias).update_or_create(
        name=ROUTING, defaults={"value": random.getrandbits(53)}
    )
    install_triggers(schema_editor)


def backwards(apps, schema_editor):
    from fairdesk.service_requests.config import drop_triggers

    drop_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0002_outletmember"),
        ("service_requests", "0003_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConfigGeneration",
            fields=[
                (
                    "name",
                    models.CharField(
                        max_length=40,
                        primary_key=True,
                        serialize=False,
                        verbose_name="configuration",
                    ),
                ),
                ("value", models.BigIntegerField(verbose_name="generation")),
            ],
            options={
                "verbose_name": "configuration generation",
                "verbose_name_plural": "configuration generations",
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
