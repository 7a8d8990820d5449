"""Credits carry their normalized names (indexed) so judging finds conflicts by a join."""

from typing import Any

from django.db import migrations, models

from submissions.names import normalize_name


def fill_normalized(apps: Any, schema_editor: Any) -> None:
    Credit = apps.get_model("submissions", "Credit")
    batch = []
    for credit in Credit.objects.only("pk", "name", "organization").iterator(chunk_size=2000):
        credit.normalized_name = normalize_name(credit.name)
        credit.normalized_organization = normalize_name(credit.organization)
        batch.append(credit)
        if len(batch) >= 2000:
            Credit.objects.bulk_update(batch, ["normalized_name", "normalized_organization"])
            batch = []
    Credit.objects.bulk_update(batch, ["normalized_name", "normalized_organization"])


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0004_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="credit",
            name="normalized_name",
            field=models.CharField(blank=True, db_index=True, max_length=300),
        ),
        migrations.AddField(
            model_name="credit",
            name="normalized_organization",
            field=models.CharField(blank=True, db_index=True, max_length=300),
        ),
        migrations.RunPython(fill_normalized, migrations.RunPython.noop),
    ]
