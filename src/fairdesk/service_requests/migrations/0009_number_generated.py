"""A request's number is computed by the database from the row's id and creation time
(``expressions.RequestNumber``, a stored generated column), instead of being written by the
application after it took the id. The numbers are the same: "SR", the day in Beijing time
(YYMMDD), the id zero-padded to six digits."""

from django.db import migrations, models

import fairdesk.service_requests.expressions


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0008_move_api_clients"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="servicerequest", name="sr_number_unique"),
        migrations.RemoveField(model_name="servicerequest", name="number"),
        migrations.AddField(
            model_name="servicerequest",
            name="number",
            field=models.GeneratedField(
                db_persist=True,
                expression=fairdesk.service_requests.expressions.RequestNumber(),
                output_field=models.CharField(max_length=24, verbose_name="number"),
                verbose_name="number",
            ),
        ),
        migrations.AddConstraint(
            model_name="servicerequest",
            constraint=models.UniqueConstraint(fields=("number",), name="sr_number_unique"),
        ),
    ]
