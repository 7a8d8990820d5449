from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from festival import views

festival_patterns = (
    [
        path("organize/", views.console, name="console"),
        path("organize/editions/<int:edition_id>/judges/", views.edition_judges, name="edition_judges"),
        path("invitations/<str:token>/", views.invitation, name="invitation"),
        path("start/", views.after_login, name="after_login"),
    ],
    "festival",
)


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI: its script is a file (the split view), but it injects its own styles."""

    @extend_schema(exclude=True)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = settings.LAUREL_CSP.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )
        return response


urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include(festival_patterns)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("media.urls")),
    path("", include("submissions.urls")),
    path("", include("judging.urls")),
    path("", include("notifications.urls")),
    path("", include("announcements.urls")),
    path("", include("dashboard.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", ApiDocs.as_view(url_name="api-schema"), name="api-docs"),
]
