from django.urls import path

from announcements import views

app_name = "announcements"
urlpatterns = [
    path("me/submissions/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("me/submissions/<int:pk>/laurel/<str:color>.<str:fmt>", views.laurel, name="laurel"),
    path("organize/editions/<int:edition_id>/announcements/", views.organize, name="organize"),
    path("organize/editions/<int:edition_id>/announcements/do/", views.organize_action, name="organize_action"),
    path("festivals/<slug:festival>/<int:year>/", views.public_edition, name="public_edition"),
    path("festivals/<slug:festival>/<int:year>/results.json", views.results_json, name="results_json"),
    path("festivals/<slug:festival>/<int:year>/films/<int:submission_id>/", views.public_film, name="public_film"),
    path(
        "festivals/<slug:festival>/<int:year>/films/<int:submission_id>/media/<path:asset>",
        views.public_poster,
        name="public_poster",
    ),
    path(".well-known/laurel/<slug:festival>/results-key.pem", views.public_key, name="public_key"),
]
