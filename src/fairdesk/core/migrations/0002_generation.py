"""The configurations' generations (``core.generations``): their table, and on PostgreSQL the
trigger function that renews one (the apps' migrations install the triggers). The SQL is written
out here, as it was installed."""

from typing import Any

from django.db import migrations, models

RENEW_FUNCTION = """CREATE OR REPLACE FUNCTION fairdesk_renew_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_generation (name, value)
    VALUES (TG_ARGV[0], floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END $$"""


def create_function(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RENEW_FUNCTION)


def drop_function(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS fairdesk_renew_generation()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="Generation",
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
        migrations.RunPython(create_function, drop_function, elidable=False),
    ]
