from django.urls import path

from fairdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("me/messages/", views.my_messages, name="my_messages"),
]
