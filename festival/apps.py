from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig


class FestivalConfig(AppConfig):
    name = "festival"
    verbose_name = "Festival"


class LaurelStaticFilesConfig(StaticFilesConfig):
    """Django's static files app, not collecting drf-spectacular-sidecar's ReDoc bundle: the API
    docs are Swagger UI (``festival.urls.ApiDocs``), and ReDoc's 5 MB (with its source map) would
    only be copied, hashed and compressed by every deploy's collectstatic."""

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "drf_spectacular_sidecar/redoc/*",
    ]  # files match by path (directories by name only)
