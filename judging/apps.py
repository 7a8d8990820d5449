from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _install_revision_triggers(using: str, **_kwargs: Any) -> None:
    from judging.results.revision import install_triggers

    install_triggers(connections[using])


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = "Judging"

    def ready(self) -> None:
        # Schema, not workflow: the results-revision triggers are (re)created after every migrate,
        # including a test database built without migrations (judging.results.revision).
        post_migrate.connect(_install_revision_triggers, sender=self, dispatch_uid="judging-revision-triggers")
