from django.urls import path

from fairdesk.portal import plan_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("book/", views.book, name="book"),
    path("messages/", views.messages_list, name="messages"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("requests/<str:number>/", views.detail, name="request"),
    path("requests/<str:number>/booked/", views.confirmation, name="confirmation"),
    path(
        "requests/<str:number>/<slug:action>/",
        views.change,
        name="change",
    ),
]
