"""Refuse to serve a production site whose static-file manifest is missing.

With ``CompressedManifestStaticFilesStorage`` every ``{% static %}`` tag looks its file up in
``staticfiles.json``; without that file each lookup raises, so every template page answers 500
while ``check --deploy`` passes. The manifest is written by ``collectstatic`` into this host's
``STATIC_ROOT`` (under ``LAUREL_VAR_DIR``), so a web host started with another var dir, or
before ``collectstatic`` ran on it, has none. Failing at start-up names the cause; gunicorn
then stops with the message instead of serving 500s.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import ImproperlyConfigured


def require_static_manifest() -> None:
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        return  # the embedded default serves unhashed files from the source folders
    if storage.manifest_storage.exists(storage.manifest_name):
        return
    raise ImproperlyConfigured(
        f"No static-file manifest at {settings.STATIC_ROOT / storage.manifest_name}: run "
        "`.venv/bin/python manage.py collectstatic --noinput` on this host with the same "
        f"LAUREL_VAR_DIR ({settings.VAR_DIR}) before starting the web server; without it every "
        "page would answer 500."
    )
