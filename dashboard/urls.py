from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("organize/editions/<int:edition_id>/dashboard/", views.edition_dashboard, name="edition"),
]
