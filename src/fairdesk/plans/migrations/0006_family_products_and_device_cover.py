"""Plan families name the product lines they cover and the families they relate to; a
subscription names the device it covers (the constraint that a device has one live cover of a
plan at most is the next migration's: PostgreSQL builds no index in a transaction that has
just written rows with deferred checks).

Existing data, made sensible:

* product lines by kind: cloud storage covers smart-home devices (cameras); extended warranties
  and maintenance plans every product line — plus the line of every device already covered. A
  brand narrows them with its next catalog file (``product_lines``);
* families of the same kind whose product lines overlap are related (a switch between them keeps
  its sense); families of different kinds are related only by a catalog file (``related``);
* a live subscription that names no device gets the customer's device when exactly one of their
  devices is of a covered line and has no live plan of that family yet; otherwise it stays
  without one (the pages say so).
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

#: network.choices.ProductLine's values when this migration was written
ALL_LINES = [
    "air_conditioner",
    "water_heater",
    "safe",
    "smart_home",
    "kitchen_appliance",
    "washing_machine",
    "refrigerator",
    "water_purifier",
    "television",
]
LINES_BY_KIND = {"cloud_storage": ["smart_home"]}
LIVE = ("active", "past_due")


def forwards(apps: Any, schema_editor: Any) -> None:
    PlanFamily = apps.get_model("plans", "PlanFamily")
    Subscription = apps.get_model("plans", "Subscription")
    Device = apps.get_model("customers", "Device")
    families = list(PlanFamily.objects.order_by("id"))
    for family in families:
        lines = set(LINES_BY_KIND.get(family.kind, ALL_LINES))
        lines |= set(
            Subscription.objects.filter(plan__family=family, device__isnull=False).values_list(
                "device__product_model__product_line", flat=True
            )
        )
        family.product_lines = [line for line in ALL_LINES if line in lines] + sorted(
            lines - set(ALL_LINES)
        )
        family.save(update_fields=["product_lines"])
    for i, family in enumerate(families):
        for other in families[i + 1 :]:
            if other.kind == family.kind and set(other.product_lines) & set(family.product_lines):
                # the model's relation is symmetrical; the migration's state is not: both rows
                family.related.add(other)
                other.related.add(family)
    # live plans of each family per device, to give a device no second one
    covered = set(
        Subscription.objects.filter(status__in=LIVE, device__isnull=False).values_list(
            "device_id", "plan__family_id"
        )
    )
    lines_of = {family.pk: set(family.product_lines) for family in families}
    for sub in Subscription.objects.filter(status__in=LIVE, device__isnull=True).select_related(
        "plan"
    ):
        family_id = sub.plan.family_id
        candidates = [
            device_id
            for device_id, line in Device.objects.filter(customer_id=sub.customer_id).values_list(
                "id", "product_model__product_line"
            )
            if line in lines_of[family_id] and (device_id, family_id) not in covered
        ]
        if len(candidates) == 1:
            Subscription.objects.filter(pk=sub.pk).update(device_id=candidates[0])
            covered.add((candidates[0], family_id))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_roles"),
        ("plans", "0005_planevent_kind_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="planfamily",
            name="product_lines",
            field=models.JSONField(blank=True, default=list, verbose_name="product lines covered"),
        ),
        migrations.AddField(
            model_name="planfamily",
            name="related",
            field=models.ManyToManyField(
                blank=True, to="plans.planfamily", verbose_name="related families"
            ),
        ),
        migrations.AlterField(
            model_name="subscription",
            name="device",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="subscriptions",
                to="customers.device",
                verbose_name="device covered",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
