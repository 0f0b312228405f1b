from django.urls import path

from fairdesk.contact import views

app_name = "contact"

urlpatterns = [
    path("queue-rule/", views.queue_rule, name="queue_rule"),
    path("audit/complaints/", views.complaint_export, name="complaint_export"),
]
