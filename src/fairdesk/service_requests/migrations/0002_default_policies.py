"""The default SLA promises (docs/service-requests.md). Brand administrators change them in the
admin; this migration only writes them once, into an empty table."""

from django.db import migrations

H = 60  # minutes

DEFAULT_POLICIES = [
    # kind, clock, applies when, minutes, name
    (
        "repair",
        "first_response",
        "any",
        2 * H,
        "维修：2 小时内首次响应 / Repair: first response in 2 h",
    ),
    ("repair", "on_site", "covered", 24 * H, "维修：24 小时内上门 / Repair: on site in 24 h"),
    ("repair", "resolution", "covered", 72 * H, "维修：72 小时内解决 / Repair: resolved in 72 h"),
    (
        "installation",
        "on_site",
        "covered",
        48 * H,
        "安装：48 小时内上门 / Installation: on site in 48 h",
    ),
    (
        "consultation",
        "first_response",
        "any",
        2 * H,
        "咨询：2 小时内首次响应 / Consultation: first response in 2 h",
    ),
    (
        "complaint",
        "first_response",
        "any",
        24 * H,
        "投诉：24 小时内首次响应 / Complaint: first response in 24 h",
    ),
]


def forwards(apps, schema_editor):
    SlaPolicy = apps.get_model("service_requests", "SlaPolicy")
    db = schema_editor.connection.alias
    if SlaPolicy.objects.using(db).exists():
        return
    SlaPolicy.objects.using(db).bulk_create(
        SlaPolicy(
            name=name,
            kind=kind,
            clock_type=clock,
            applies_when=applies,
            duration_minutes=minutes,
            priority="any",
            area_prefix="",
            active=True,
        )
        for kind, clock, applies, minutes, name in DEFAULT_POLICIES
    )


class Migration(migrations.Migration):
    dependencies = [("service_requests", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
