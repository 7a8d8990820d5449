from django.urls import path

from judging import api, views
from judging.final import views as final_views
from judging.results import api as results_api
from judging.results import views as results_views

app_name = "judging"
urlpatterns = [
    path("judge/", views.queue, name="queue"),
    path("judge/status/", views.queue_status, name="queue-status"),
    path("judge/rounds/<int:round_id>/entries/<int:assignment_id>/", views.score_page, name="score"),
    path("judge/entries/<int:assignment_id>/conflict/", views.declare_entry_conflict, name="entry-conflict"),
    path("judge/entries/<int:assignment_id>/media/<path:asset>", views.judge_media, name="media"),
    path("judge/editions/<int:edition_id>/profile/", views.judge_profile, name="profile"),
    path("organize/rounds/<int:round_id>/", views.round_overview, name="round-overview"),
    path("organize/rounds/<int:round_id>/status/", views.round_status, name="round-status"),
    path("api/judging/assignments/", api.MyAssignments.as_view(), name="api-assignments"),
    path("api/judging/assignments/<int:assignment_id>/score/", api.MyScore.as_view(), name="api-score"),
    path(
        "api/judging/assignments/<int:assignment_id>/score/submit/",
        api.SubmitMyScore.as_view(),
        name="api-score-submit",
    ),
    path("api/judging/assignments/<int:assignment_id>/watch/", api.Watch.as_view(), name="api-watch"),
]

# Results, advancement, the final and exports.
urlpatterns += [
    path("organize/editions/<int:edition_id>/results/", results_views.results_page, name="results"),
    path(
        "organize/editions/<int:edition_id>/results/<int:round_id>/action/",
        results_views.results_action,
        name="results-action",
    ),
    path(
        "organize/editions/<int:edition_id>/results/<int:round_id>/export.<str:fmt>",
        results_views.results_export,
        name="results-export",
    ),
    path(
        "organize/editions/<int:edition_id>/results/<int:round_id>/files/<int:export_id>/",
        results_views.results_file,
        name="results-file",
    ),
    path(
        "api/judging/editions/<int:edition_id>/results/", results_api.EditionResultsView.as_view(), name="api-results"
    ),
    path("judge/final/<int:round_id>/", final_views.final_ballot, name="final-ballot"),
    path("judge/final/<int:round_id>/pairs/", final_views.final_pairs, name="final-pairs"),
    path("judge/final/<int:round_id>/films/<int:submission_id>/", final_views.final_film, name="final-film"),
    path(
        "judge/final/<int:round_id>/films/<int:submission_id>/media/<path:asset>",
        final_views.final_media,
        name="final-media",
    ),
]
