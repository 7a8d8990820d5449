from django.urls import path

from submissions import views
from submissions.uploads.urls import urlpatterns as upload_urlpatterns

app_name = "submissions"
urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
]
urlpatterns += upload_urlpatterns
