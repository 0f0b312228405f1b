from django.urls import path

from fairdesk.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("callers/new/", views.caller_new, name="caller_new"),
    path("serving/end/", views.serving_end, name="serving_end"),
    path("callers/<int:pk>/", views.caller, name="caller"),
    path("callers/<int:pk>/file/", views.file_for_caller, name="file"),
    path("requests/", views.requests, name="requests"),
    path("requests/<str:number>/", views.request_detail, name="request"),
    path("requests/<str:number>/transition/", views.transition, name="transition"),
    path("requests/<str:number>/assign/", views.assign_outlet, name="assign"),
]
