"""A device has one live (active or payment overdue) subscription of a plan at most."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0006_family_products_and_device_cover"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["active", "past_due"])),
                fields=("device", "plan"),
                name="plan_one_live_cover_per_device",
            ),
        ),
    ]
