from django.urls import path

from judging import results_api, results_views, views
from judging.final import views as final_views

app_name = "judging"
urlpatterns = [
    path("judge/", views.queue, name="queue"),
]

# Results, advancement, the final and exports (jrank).
urlpatterns += [
    path("organize/editions/<int:edition_id>/results/", results_views.results_page, name="results"),
    path(
        "organize/editions/<int:edition_id>/results/<int:round_id>/action/",
        results_views.results_action,
        name="results_action",
    ),
    path(
        "organize/editions/<int:edition_id>/results/<int:round_id>/export.<str:fmt>",
        results_views.results_export,
        name="results_export",
    ),
    path(
        "api/judging/editions/<int:edition_id>/results/", results_api.EditionResultsView.as_view(), name="api_results"
    ),
    path("judge/final/<int:round_id>/", final_views.final_ballot, name="final_ballot"),
    path("judge/final/<int:round_id>/pairs/", final_views.final_pairs, name="final_pairs"),
]
