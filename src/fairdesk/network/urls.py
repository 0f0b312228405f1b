from django.urls import path

from fairdesk.network import views

app_name = "network"

urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
]
