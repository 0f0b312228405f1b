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
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/change/", views.plan_change_start, name="plan_change_start"),
    path("plans/<int:pk>/auto-renew/", views.plan_auto_renew, name="plan_auto_renew"),
    path("plans/attempts/<int:pk>/", views.plan_preview, name="plan_preview"),
    path("plans/attempts/<int:pk>/timing/", views.plan_retime, name="plan_retime"),
    path("plans/attempts/<int:pk>/confirm/", views.plan_confirm, name="plan_confirm"),
    path(
        "plans/attempts/<int:pk>/accept-offer/",
        views.plan_accept_offer,
        name="plan_accept_offer",
    ),
    path("plans/changes/<int:pk>/", views.plan_change_detail, name="plan_change"),
    path("plans/changes/<int:pk>/undo/", views.plan_undo, name="plan_undo"),
]
