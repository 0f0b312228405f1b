from django.urls import path

from fairdesk.console import (
    caller_views,
    contact_views,
    plan_views,
    request_views,
    staffing_views,
)

app_name = "console"

urlpatterns = [
    path("", caller_views.home, name="home"),
    path("search/", caller_views.search, name="search"),
    path("callers/new/", caller_views.caller_new, name="caller_new"),
    path("serving/end/", caller_views.serving_end, name="serving_end"),
    path("callers/<int:pk>/", caller_views.caller, name="caller"),
    path("callers/<int:pk>/file/", caller_views.file_for_caller, name="file"),
    path("requests/", request_views.requests, name="requests"),
    path("requests/<str:number>/", request_views.request_detail, name="request"),
    path("requests/<str:number>/transition/", request_views.transition, name="transition"),
    path("requests/<str:number>/assign/", request_views.assign_outlet, name="assign"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/change/", plan_views.plan_change_start, name="plan_change_start"),
    path("plans/<int:pk>/auto-renew/", plan_views.plan_auto_renew, name="plan_auto_renew"),
    path("plans/attempts/<int:pk>/", plan_views.plan_preview, name="plan_preview"),
    path("plans/attempts/<int:pk>/timing/", plan_views.plan_retime, name="plan_retime"),
    path("plans/attempts/<int:pk>/confirm/", plan_views.plan_confirm, name="plan_confirm"),
    path(
        "plans/attempts/<int:pk>/accept-offer/",
        plan_views.plan_accept_offer,
        name="plan_accept_offer",
    ),
    path("plans/changes/<int:pk>/", plan_views.plan_change_detail, name="plan_change"),
    path("plans/changes/<int:pk>/undo/", plan_views.plan_undo, name="plan_undo"),
    # the contact centre: live queue, conversations, callbacks, complaints, staffing
    path("queue/", contact_views.queue, name="contact_queue"),
    path("queue/live/", contact_views.queue_live, name="contact_queue_live"),
    path("queue/status/", contact_views.agent_status, name="agent_status"),
    path("queue/next/", contact_views.take_next, name="take_next"),
    path("contacts/<int:pk>/", contact_views.conversation, name="contact"),
    path(
        "contacts/<int:pk>/messages/",
        contact_views.conversation_messages,
        name="contact_messages",
    ),
    path("contacts/<int:pk>/reply/", contact_views.reply, name="contact_reply"),
    path("contacts/<int:pk>/close/", contact_views.close, name="contact_close"),
    path("contacts/<int:pk>/type/", contact_views.set_type, name="contact_type"),
    path("contacts/phone/", contact_views.phone_contact, name="contact_phone"),
    path("callbacks/", contact_views.callbacks, name="contact_callbacks"),
    path("callbacks/<int:pk>/done/", contact_views.callback_done, name="callback_done"),
    path("complaints/", contact_views.complaints, name="complaints"),
    path("complaints/<int:pk>/", contact_views.complaint, name="complaint"),
    path("complaints/<int:pk>/step/", contact_views.complaint_step, name="complaint_step"),
    path("staffing/", staffing_views.staffing, name="staffing"),
]
