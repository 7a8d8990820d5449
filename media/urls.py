"""Media pages: the organizer's view of a film (player, QC, reprocess) and its asset mount."""

from django.urls import URLPattern, URLResolver, path

from media import views

app_name = "media"
urlpatterns: list[URLPattern | URLResolver] = [
    path("organize/films/<int:film_id>/", views.film_detail, name="film_detail"),
    path("organize/films/<int:film_id>/reprocess/", views.film_reprocess, name="film_reprocess"),
    path("organize/films/<int:film_id>/media/<path:asset>", views.film_asset, name="film_asset"),
]
