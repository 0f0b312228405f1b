"""Safety requests (priority ``urgent``: a gas smell, sparks, smoke…) get their own, shorter
promises: first response in 15 minutes, on site in 4 hours (docs/service-requests.md). Brand
administrators change them in the admin; this migration writes them once, unless urgent
promises were already defined."""

from django.db import migrations, models

M = 1  # minute
H = 60 * M

SAFETY_POLICIES = [
    # kind, clock, applies when, minutes, name
    (
        "repair",
        "first_response",
        "any",
        15 * M,
        "安全隐患：15 分钟内首次响应 / Safety hazard: first response in 15 min",
    ),
    (
        "repair",
        "on_site",
        "covered",
        4 * H,
        "安全隐患：4 小时内上门 / Safety hazard: on site in 4 h",
    ),
    (
        "installation",
        "on_site",
        "covered",
        4 * H,
        "安全隐患（安装）：4 小时内上门 / Safety hazard (installation): on site in 4 h",
    ),
    (
        "maintenance",
        "on_site",
        "covered",
        4 * H,
        "安全隐患（保养）：4 小时内上门 / Safety hazard (maintenance): on site in 4 h",
    ),
    (
        "consultation",
        "first_response",
        "any",
        15 * M,
        "安全隐患（咨询）：15 分钟内首次响应 / Safety hazard (consultation): first response in 15 min",
    ),
]


def forwards(apps, schema_editor):
    SlaPolicy = apps.get_model("service_requests", "SlaPolicy")
    db = schema_editor.connection.alias
    if SlaPolicy.objects.using(db).filter(priority="urgent").exists():
        return
    SlaPolicy.objects.using(db).bulk_create(
        SlaPolicy(
            name=name,
            kind=kind,
            clock_type=clock,
            applies_when=applies,
            duration_minutes=minutes,
            priority="urgent",
            area_prefix="",
            active=True,
        )
        for kind, clock, applies, minutes, name in SAFETY_POLICIES
    )


class Migration(migrations.Migration):
    dependencies = [("service_requests", "0010_generations")]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Request created"),
                    ("routed", "Routed to an outlet"),
                    ("central_queue", "Sent to the central queue"),
                    ("status_changed", "Status changed"),
                    ("outlet_assigned", "Outlet assigned"),
                    ("escalated", "SLA escalation"),
                    ("safety_alert", "Safety alert"),
                ],
                max_length=20,
                verbose_name="event",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
