"""The access configuration's generation, once: the triggers this migration installed are
dropped by 0007 (with the generations' table); a new database never gets them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("customers", "0003_roles"),
        ("network", "0002_outletmember"),
        ("service_requests", "0005_request_indexes"),
    ]

    operations = []
