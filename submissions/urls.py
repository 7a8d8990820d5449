from django.urls import include, path

from submissions import views
from submissions.uploads.urls import urlpatterns as upload_urlpatterns

app_name = "submissions"
urlpatterns = [
    path("api/", include("submissions.api_urls")),
    path("me/", views.dashboard, name="dashboard"),
    path("me/status/", views.live_status, name="live-status"),
    path("me/editions/<int:edition_id>/enter/", views.submission_new, name="new"),
    path("me/submissions/<int:pk>/", views.submission_detail, name="detail"),
    path("me/submissions/<int:pk>/details/", views.submission_edit, name="edit"),
    path("me/submissions/<int:pk>/credits/", views.submission_credits, name="credits"),
    path("me/submissions/<int:pk>/disclosure/", views.submission_disclosure, name="disclosure"),
    path("me/submissions/<int:pk>/statements/", views.submission_attestations, name="attestations"),
    path("me/submissions/<int:pk>/submit/", views.submission_submit, name="submit"),
    path("me/submissions/<int:pk>/withdraw/", views.submission_withdraw, name="withdraw"),
    path("me/submissions/<int:pk>/shots/", views.submission_shots, name="shots"),
    path("me/submissions/<int:pk>/media/<path:asset>", views.submission_media, name="media"),
]
urlpatterns += upload_urlpatterns
