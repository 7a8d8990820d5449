from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/m/<uuid:uid>/", views.message_detail, name="message"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("dev/mail/", views.dev_mail, name="dev_mail"),
    path("dev/mail/<str:name>", views.dev_mail_detail, name="dev_mail_detail"),
]
