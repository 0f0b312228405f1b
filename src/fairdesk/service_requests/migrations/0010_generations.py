"""Triggers that renew the generations (``core.generations``) of the configurations this app's
reads keep in memory: *access* when an outlet membership or a customer's user changes (who a
user is: ``selectors.principal_for``; the other access tables are ``api`` 0002's), and *routing*
when an outlet, its coverage, an SLA policy or a business calendar changes
(``routing_config``). A customer's own details change nothing of who may do what: only its
``user_id`` is watched on update. The SQL is written out here, as it was installed.

A later migration that rebuilds one of these tables on SQLite (Django copies it, and drops its
triggers) must install them again: ``tests/test_generations.py`` fails until it does."""

import random
from typing import Any

from django.db import migrations

WATCHED = [
    ["access", "network_outletmember", None],
    ["access", "customers_customer", ["user_id"]],
    ["routing", "network_outlet", None],
    ["routing", "network_coverage", None],
    ["routing", "service_requests_slapolicy", None],
    ["routing", "service_requests_businesscalendar", None],
]

POSTGRESQL = [
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember ON network_outletmember",
    "CREATE TRIGGER fairdesk_access_network_outletmember AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON network_outletmember FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('access')",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer ON customers_customer",
    "CREATE TRIGGER fairdesk_access_customers_customer AFTER INSERT OR UPDATE OF \"user_id\" OR DELETE OR TRUNCATE ON customers_customer FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('access')",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet ON network_outlet",
    "CREATE TRIGGER fairdesk_routing_network_outlet AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON network_outlet FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('routing')",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage ON network_coverage",
    "CREATE TRIGGER fairdesk_routing_network_coverage AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON network_coverage FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('routing')",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy ON service_requests_slapolicy",
    "CREATE TRIGGER fairdesk_routing_service_requests_slapolicy AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_requests_slapolicy FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('routing')",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar ON service_requests_businesscalendar",
    "CREATE TRIGGER fairdesk_routing_service_requests_businesscalendar AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_requests_businesscalendar FOR EACH STATEMENT EXECUTE FUNCTION fairdesk_renew_generation('routing')",
]

SQLITE = [
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember_insert",
    "CREATE TRIGGER fairdesk_access_network_outletmember_insert AFTER INSERT ON network_outletmember BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember_update",
    "CREATE TRIGGER fairdesk_access_network_outletmember_update AFTER UPDATE ON network_outletmember BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember_delete",
    "CREATE TRIGGER fairdesk_access_network_outletmember_delete AFTER DELETE ON network_outletmember BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer_insert",
    "CREATE TRIGGER fairdesk_access_customers_customer_insert AFTER INSERT ON customers_customer BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer_update",
    "CREATE TRIGGER fairdesk_access_customers_customer_update AFTER UPDATE OF \"user_id\" ON customers_customer BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer_delete",
    "CREATE TRIGGER fairdesk_access_customers_customer_delete AFTER DELETE ON customers_customer BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'access'; INSERT INTO core_generation (name, value) SELECT 'access', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'access'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet_insert",
    "CREATE TRIGGER fairdesk_routing_network_outlet_insert AFTER INSERT ON network_outlet BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet_update",
    "CREATE TRIGGER fairdesk_routing_network_outlet_update AFTER UPDATE ON network_outlet BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet_delete",
    "CREATE TRIGGER fairdesk_routing_network_outlet_delete AFTER DELETE ON network_outlet BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage_insert",
    "CREATE TRIGGER fairdesk_routing_network_coverage_insert AFTER INSERT ON network_coverage BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage_update",
    "CREATE TRIGGER fairdesk_routing_network_coverage_update AFTER UPDATE ON network_coverage BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage_delete",
    "CREATE TRIGGER fairdesk_routing_network_coverage_delete AFTER DELETE ON network_coverage BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy_insert",
    "CREATE TRIGGER fairdesk_routing_service_requests_slapolicy_insert AFTER INSERT ON service_requests_slapolicy BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy_update",
    "CREATE TRIGGER fairdesk_routing_service_requests_slapolicy_update AFTER UPDATE ON service_requests_slapolicy BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy_delete",
    "CREATE TRIGGER fairdesk_routing_service_requests_slapolicy_delete AFTER DELETE ON service_requests_slapolicy BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar_insert",
    "CREATE TRIGGER fairdesk_routing_service_requests_businesscalendar_insert AFTER INSERT ON service_requests_businesscalendar BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar_update",
    "CREATE TRIGGER fairdesk_routing_service_requests_businesscalendar_update AFTER UPDATE ON service_requests_businesscalendar BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar_delete",
    "CREATE TRIGGER fairdesk_routing_service_requests_businesscalendar_delete AFTER DELETE ON service_requests_businesscalendar BEGIN UPDATE core_generation SET value = random() >> 11 WHERE name = 'routing'; INSERT INTO core_generation (name, value) SELECT 'routing', random() >> 11 WHERE NOT EXISTS (SELECT 1 FROM core_generation WHERE name = 'routing'); END",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember ON network_outletmember",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer ON customers_customer",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet ON network_outlet",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage ON network_coverage",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy ON service_requests_slapolicy",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar ON service_requests_businesscalendar",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_network_outletmember_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_customers_customer_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_outlet_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_network_coverage_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_slapolicy_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_service_requests_businesscalendar_delete",
]


def install(apps: Any, schema_editor: Any) -> None:
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)
    # a first generation, so that processes keep answers before the first change
    generation = apps.get_model("core", "Generation")
    for name in ["access", "routing"]:
        generation.objects.using(schema_editor.connection.alias).get_or_create(
            name=name, defaults={"value": random.getrandbits(53)}
        )


def uninstall(apps: Any, schema_editor: Any) -> None:
    statements = {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}
    for statement in statements[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_generation"),
        ("customers", "0003_roles"),
        ("network", "0002_outletmember"),
        ("service_requests", "0009_number_generated"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
