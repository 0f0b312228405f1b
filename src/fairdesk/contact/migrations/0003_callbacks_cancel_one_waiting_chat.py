"""Callbacks can be cancelled (status and instant); one waiting web chat per customer; the
automatic answers' keyword syntax explained.

Before the constraint, a customer's extra waiting web chats (from repeated clicks on "talk to a
person") are closed, keeping the one that joined the queue first: the customer keeps their
earliest place, and the closed ones say why.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

DUPLICATE = "Closed: the customer already waits for a person in C%(id)s"


def close_duplicate_waiting_chats(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    contact_model = apps.get_model("contact", "Contact")
    db = schema_editor.connection.alias
    waiting = (
        contact_model.objects.using(db)
        .filter(status="queued", channel="web_chat", customer__isnull=False)
        .order_by("customer_id", "queued_at", "id")
    )
    kept: dict[int | None, int] = {}
    for contact in waiting.iterator():
        first = kept.setdefault(contact.customer_id, contact.pk)
        if first == contact.pk:
            continue
        contact.status = "closed"
        contact.closed_at = contact.queued_at
        contact.outcome = DUPLICATE % {"id": first}
        contact.save(using=db, update_fields=["status", "closed_at", "outcome"])


class Migration(migrations.Migration):
    dependencies = [
        ("contact", "0002_roles"),
        ("customers", "0003_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="callback",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled"),
        ),
        migrations.AlterField(
            model_name="callback",
            name="status",
            field=models.CharField(
                choices=[
                    ("scheduled", "Scheduled"),
                    ("done", "Called back"),
                    ("missed", "Missed"),
                    ("cancelled", "Cancelled"),
                ],
                default="scheduled",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="faqentry",
            name="keywords",
            field=models.CharField(
                help_text=(
                    "A fault code such as E1 matches only that code (not E10); words joined by "
                    "+ must all appear (上门+多少钱). The answer with the longest matching "
                    "keyword is shown."
                ),
                max_length=300,
                verbose_name="keywords (comma-separated)",
            ),
        ),
        migrations.RunPython(close_duplicate_waiting_chats, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                condition=models.Q(("channel", "web_chat"), ("status", "queued")),
                fields=("customer",),
                name="contact_one_waiting_chat_per_customer",
            ),
        ),
    ]
