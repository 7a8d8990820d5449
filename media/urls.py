"""Media pages and API (organizer reprocess, playback helpers). Routes are added per feature."""

from django.urls import URLPattern, URLResolver

app_name = "media"
urlpatterns: list[URLPattern | URLResolver] = []
