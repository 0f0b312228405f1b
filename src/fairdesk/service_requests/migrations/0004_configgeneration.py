"""The routing configuration's generation (``ConfigGeneration``). The triggers this migration
installed once are dropped by 0007, with the table; a new database never gets them."""

from django.db import migrations, models


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
    ]
