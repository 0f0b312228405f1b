"""API clients and tokens move here from service_requests (its 0008 takes them out of its state):
the rows stay, their tables are renamed, and their content types (with the permissions and the
roles that hold them) are relabelled, so nothing is lost or granted anew."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("apiclient", "apitoken")


def relabel_content_types(apps: Any, schema_editor: Any) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        old = content_type.objects.using(db).filter(app_label="service_requests", model=model)
        if content_type.objects.using(db).filter(app_label="api", model=model).exists():
            old.delete()
        else:
            old.update(app_label="api")


def restore_content_types(apps: Any, schema_editor: Any) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    content_type.objects.using(db).filter(app_label="api", model__in=MOVED).update(
        app_label="service_requests"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("service_requests", "0007_drop_config_generation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiClient",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "name",
                            models.CharField(max_length=100, unique=True, verbose_name="name"),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="api_clients",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="acts as user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API client",
                        "verbose_name_plural": "API clients",
                        "ordering": ["name"],
                        "db_table": "service_requests_apiclient",
                    },
                ),
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("prefix", models.CharField(max_length=16, verbose_name="key prefix")),
                        (
                            "key_hash",
                            models.CharField(max_length=64, unique=True, verbose_name="key hash"),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        (
                            "last_used_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="last used"),
                        ),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tokens",
                                to="api.apiclient",
                                verbose_name="client",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "ordering": ["client", "-created_at"],
                        "db_table": "service_requests_apitoken",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="apiclient", table=None),
        migrations.AlterModelTable(name="apitoken", table=None),
        migrations.RunPython(relabel_content_types, restore_content_types, elidable=False),
    ]
