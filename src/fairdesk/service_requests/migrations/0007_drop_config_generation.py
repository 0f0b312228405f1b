"""The configuration generations go: the triggers that renewed them (installed by 0004 and
0006 on outlets, coverage, SLA policies, calendars, API tokens and clients, users, groups,
memberships and customers) are dropped, and their table with them. Routing and access are read
from their tables on each call (docs/adr/0001-request-path-on-public-apis.md).

The statements are written out here, as they were installed, so that this migration does not
depend on application code."""

from django.db import migrations

POSTGRESQL = [
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_outlet ON network_outlet",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_coverage ON network_coverage",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_slapolicy ON service_requests_slapolicy",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_businesscalendar ON service_requests_businesscalendar",
    "DROP FUNCTION IF EXISTS fairdesk_routing_changed()",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apitoken ON service_requests_apitoken",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apiclient ON service_requests_apiclient",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user ON auth_user",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_group ON auth_group",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_groups ON auth_user_groups",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_network_outletmember ON network_outletmember",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_customers_customer ON customers_customer",
    "DROP FUNCTION IF EXISTS fairdesk_access_changed()",
]

SQLITE = [
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_outlet_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_outlet_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_outlet_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_coverage_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_coverage_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_network_coverage_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_slapolicy_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_slapolicy_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_slapolicy_delete",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_businesscalendar_insert",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_businesscalendar_update",
    "DROP TRIGGER IF EXISTS fairdesk_routing_changed_service_requests_businesscalendar_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apitoken_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apitoken_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apitoken_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apiclient_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apiclient_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_service_requests_apiclient_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_group_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_group_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_group_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_groups_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_groups_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_auth_user_groups_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_network_outletmember_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_network_outletmember_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_network_outletmember_delete",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_customers_customer_insert",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_customers_customer_update",
    "DROP TRIGGER IF EXISTS fairdesk_access_changed_customers_customer_delete",
]


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0006_access_generation"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop, elidable=False),
        migrations.DeleteModel(name="ConfigGeneration"),
    ]
