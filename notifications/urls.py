from django.urls import path

from notifications import organizer_views, views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/m/<uuid:uid>/", views.message_detail, name="message"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("organize/editions/<int:edition_id>/messages/", organizer_views.outbox_page, name="outbox"),
    path("organize/editions/<int:edition_id>/messages/compose/", organizer_views.compose, name="compose"),
    path(
        "organize/editions/<int:edition_id>/messages/<int:message_id>/review/",
        organizer_views.review_message,
        name="review",
    ),
    path(
        "organize/editions/<int:edition_id>/broadcasts/<int:broadcast_id>/release/",
        organizer_views.release_broadcast,
        name="release_broadcast",
    ),
    path("organize/editions/<int:edition_id>/templates/", organizer_views.template_list, name="templates"),
    path("organize/editions/<int:edition_id>/templates/<str:event>/", organizer_views.template_edit, name="template"),
    path("dev/mail/", views.dev_mail, name="dev_mail"),
    path("dev/mail/<str:name>", views.dev_mail_detail, name="dev_mail_detail"),
]
