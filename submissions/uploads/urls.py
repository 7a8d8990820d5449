"""Upload routes, included in ``submissions.urls`` (namespace ``submissions``)."""

from django.urls import path

from submissions.uploads import api, views

urlpatterns = [
    path("api/uploads/", api.UploadCreateView.as_view(), name="tus-create"),
    path("api/uploads/<uuid:upload_id>", api.UploadDetailView.as_view(), name="tus-upload"),
    path("me/submissions/<int:submission_id>/upload/", views.upload_page, name="upload"),
]
