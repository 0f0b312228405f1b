"""Triggers that renew the *access* generation (``core.generations``) whenever an API token, a
client, a user, a group or a user's groups change, so that a process may keep authenticated
tokens in memory (``api.services``). A token's last use and a user's last sign-in change
nothing of who may do what: those columns are left out of the update triggers (``WATCHED``;
``api/tests/test_generation.py`` fails when a new column is not in a list). The SQL is written
out here, as it was installed."""

import random
from typing import Any

from django.db import migrations

WATCHED = [
    ["access", "api_apitoken", ["id", "client_id", "prefix", "key_hash", "active", "created_at"]],
    ["access", "api_apiclient", None],
    [
        "access",
        "auth_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
    ],
    ["access", "auth_group", None],
    ["access", "auth_user_groups", None],
]

POSTGRESQL = [
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken ON api_apitoken",
    'CREATE TRIGGER fairdesk_access_api_apitoken AFTER INSERT OR UPDATE OF "id", "client_id", "prefix", "key_hash", "active", "created_at" OR DELETE OR TRUNCATE ON api_apitoken FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation(\'access\')',
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient ON api_apiclient",
    "CREATE TRIGGER fairdesk_access_api_apiclient AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_apiclient FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('access')",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user ON auth_user",
    'CREATE TRIGGER fairdesk_access_auth_user AFTER INSERT OR UPDATE OF "id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined" OR DELETE OR TRUNCATE ON auth_user FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation(\'access\')',
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group ON auth_group",
    "CREATE TRIGGER fairdesk_access_auth_group AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_group FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('access')",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups ON auth_user_groups",
    "CREATE TRIGGER fairdesk_access_auth_user_groups AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_user_groups FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('access')",
]

SQLITE = [
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken_insert",
    "CREATE TRIGGER fairdesk_access_api_apitoken_insert AFTER INSERT ON api_apitoken BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken_update",
    'CREATE TRIGGER fairdesk_access_api_apitoken_update AFTER UPDATE OF "id", "client_id", "prefix", "key_hash", "active", "created_at" ON api_apitoken BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = \'access\'; INSERT INTO core_generation (name, value) SELECT \'access\', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = \'access\'); END',
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken_delete",
    "CREATE TRIGGER fairdesk_access_api_apitoken_delete AFTER DELETE ON api_apitoken BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient_insert",
    "CREATE TRIGGER fairdesk_access_api_apiclient_insert AFTER INSERT ON api_apiclient BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient_update",
    "CREATE TRIGGER fairdesk_access_api_apiclient_update AFTER UPDATE ON api_apiclient BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient_delete",
    "CREATE TRIGGER fairdesk_access_api_apiclient_delete AFTER DELETE ON api_apiclient BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_insert",
    "CREATE TRIGGER fairdesk_access_auth_user_insert AFTER INSERT ON auth_user BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_update",
    'CREATE TRIGGER fairdesk_access_auth_user_update AFTER UPDATE OF "id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined" ON auth_user BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = \'access\'; INSERT INTO core_generation (name, value) SELECT \'access\', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = \'access\'); END',
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_delete",
    "CREATE TRIGGER fairdesk_access_auth_user_delete AFTER DELETE ON auth_user BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group_insert",
    "CREATE TRIGGER fairdesk_access_auth_group_insert AFTER INSERT ON auth_group BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group_update",
    "CREATE TRIGGER fairdesk_access_auth_group_update AFTER UPDATE ON auth_group BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group_delete",
    "CREATE TRIGGER fairdesk_access_auth_group_delete AFTER DELETE ON auth_group BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups_insert",
    "CREATE TRIGGER fairdesk_access_auth_user_groups_insert AFTER INSERT ON auth_user_groups BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups_update",
    "CREATE TRIGGER fairdesk_access_auth_user_groups_update AFTER UPDATE ON auth_user_groups BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups_delete",
    "CREATE TRIGGER fairdesk_access_auth_user_groups_delete AFTER DELETE ON auth_user_groups BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken ON api_apitoken",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient ON api_apiclient",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user ON auth_user",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group ON auth_group",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups ON auth_user_groups",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apitoken_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_api_apiclient_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_group_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_auth_user_groups_delete",
]


def install(apps: Any, schema_editor: Any) -> None:
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)
    # a first generation, so that processes keep answers before the first change
    generation = apps.get_model("core", "Generation")
    for name in ["access"]:
        generation.objects.using(schema_editor.connection.alias).get_or_create(
            name=name, defaults={"value": random.getrandbits(53)}
        )


def uninstall(apps: Any, schema_editor: Any) -> None:
    statements = {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}
    for statement in statements[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0002_generation"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
