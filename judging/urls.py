from django.urls import path

from judging import api, views

app_name = "judging"
urlpatterns = [
    path("judge/", views.queue, name="queue"),
    path("judge/rounds/<int:round_id>/entries/<int:assignment_id>/", views.score_page, name="score"),
    path("judge/entries/<int:assignment_id>/conflict/", views.declare_entry_conflict, name="entry-conflict"),
    path("judge/entries/<int:assignment_id>/media/<path:asset>", views.judge_media, name="media"),
    path("judge/editions/<int:edition_id>/profile/", views.judge_profile, name="profile"),
    path("organize/rounds/<int:round_id>/", views.round_overview, name="round-overview"),
    path("api/judging/assignments/", api.MyAssignments.as_view(), name="api-assignments"),
    path("api/judging/assignments/<int:assignment_id>/score/", api.MyScore.as_view(), name="api-score"),
    path(
        "api/judging/assignments/<int:assignment_id>/score/submit/",
        api.SubmitMyScore.as_view(),
        name="api-score-submit",
    ),
    path("api/judging/assignments/<int:assignment_id>/watch/", api.Watch.as_view(), name="api-watch"),
]
