from django.urls import path

from judging import views

app_name = "judging"
urlpatterns = [
    path("judge/", views.queue, name="queue"),
]
