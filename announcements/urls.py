from django.urls import path

from announcements import views

app_name = "announcements"
urlpatterns = [
    path(".well-known/laurel/<slug:festival>/results-key.pem", views.public_key, name="public_key"),
    path("festivals/<slug:festival>/<int:year>/results.json", views.results_json, name="results_json"),
]
