from django.urls import path

from submissions import views

app_name = "submissions"
urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
]
