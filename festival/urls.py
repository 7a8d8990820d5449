from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

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
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
