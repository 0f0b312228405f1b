from django.urls import path

from fairdesk.customers import views

app_name = "customers"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("staff/login/", views.StaffLoginView.as_view(), name="staff_login"),
    path("me/", views.me, name="me"),
    path("me/messages/", views.my_messages, name="my_messages"),
    path("me/addresses/", views.address_add, name="address_add"),
    path("me/addresses/<int:pk>/default/", views.address_make_default, name="address_default"),
    path("me/addresses/<int:pk>/delete/", views.address_delete, name="address_delete"),
    path("me/devices/", views.device_add, name="device_add"),
    path("devices/<int:pk>/proof/", views.device_proof, name="device_proof"),
]
