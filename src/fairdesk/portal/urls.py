from django.urls import path

from fairdesk.portal import contact_views, plan_change_views, plan_views, track_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("book/", views.book, name="book"),
    path("messages/", views.messages_list, name="messages"),
    # a request's progress from the signed link in its confirmation: no sign-in
    path("track/<str:token>/", track_views.track, name="track"),
    path("plans/", plan_views.plans, name="plans"),
    path("plans/subscribe/<slug:code>/", plan_views.subscribe, name="plan_subscribe"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/change/", plan_views.change_start, name="plan_change"),
    path("plans/<int:pk>/auto-renew/", plan_views.auto_renew, name="plan_auto_renew"),
    path("plans/previews/<int:pk>/", plan_change_views.preview, name="plan_preview"),
    path("plans/previews/<int:pk>/confirm/", plan_change_views.confirm, name="plan_confirm"),
    path("plans/previews/<int:pk>/offer/", plan_change_views.accept_offer, name="plan_offer"),
    path("plans/changes/<int:pk>/", plan_change_views.done, name="plan_done"),
    path("plans/changes/<int:pk>/undo/", plan_change_views.undo, name="plan_undo"),
    path("requests/<str:number>/", views.detail, name="request"),
    path("requests/<str:number>/booked/", views.confirmation, name="confirmation"),
    path("requests/<str:number>/note/", views.add_note, name="add_note"),
    path(
        "requests/<str:number>/<slug:action>/",
        views.change,
        name="change",
    ),
    # contact us, web chat, callbacks, complaints (contact_views)
    path("contact/", contact_views.contact_start, name="contact"),
    path("contact/person/", contact_views.talk_to_a_person, name="talk_to_a_person"),
    path("contact/chats/<int:pk>/", contact_views.chat, name="chat"),
    path("contact/chats/<int:pk>/messages/", contact_views.chat_messages, name="chat_messages"),
    path("contact/chats/<int:pk>/say/", contact_views.chat_say, name="chat_say"),
    path("contact/chats/<int:pk>/human/", contact_views.chat_human, name="chat_human"),
    path("contact/chats/<int:pk>/close/", contact_views.chat_close, name="chat_close"),
    path("contact/callbacks/", contact_views.callbacks, name="callbacks"),
    path("contact/callbacks/<int:pk>/", contact_views.callback, name="callback"),
    path(
        "contact/callbacks/<int:pk>/cancel/",
        contact_views.callback_cancel,
        name="callback_cancel",
    ),
    path("contact/callbacks/<int:pk>/move/", contact_views.callback_move, name="callback_move"),
    path("complaints/", contact_views.complaints, name="complaints"),
    path("complaints/new/", contact_views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", contact_views.complaint, name="complaint"),
    path("complaints/<int:pk>/record/", contact_views.complaint_record, name="complaint_record"),
    path(
        "complaints/<int:pk>/<slug:action>/",
        contact_views.complaint_answer,
        name="complaint_answer",
    ),
]
