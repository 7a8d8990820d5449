"""Where collectstatic looks for the apps' static files: Django's finder, minus unused bundles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.staticfiles.finders import AppDirectoriesFinder

# drf-spectacular-sidecar ships Swagger UI and ReDoc; the API docs are Swagger UI
# (``festival.urls.ApiDocs``), and ReDoc's 5 MB (with its source map) would only be copied,
# hashed and compressed by every deploy. Files match by path (directories by name only).
UNUSED = ["drf_spectacular_sidecar/redoc/*"]


class AppStaticFinder(AppDirectoriesFinder):
    """``AppDirectoriesFinder`` whose listing (what collectstatic collects) leaves out ``UNUSED``."""

    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[Any]:
        return super().list([*(ignore_patterns or []), *UNUSED])
