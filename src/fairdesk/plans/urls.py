"""The payment providers' notifications (``/payments/…``; ``plans.views``)."""

from django.urls import path

from fairdesk.plans import views

app_name = "payments"

urlpatterns = [
    path("notify/alipay/", views.alipay_notify, name="alipay_notify"),
    path("notify/wechatpay/", views.wechatpay_notify, name="wechatpay_notify"),
    path("notify/wechatpay/papay/", views.wechatpay_papay_notify, name="wechatpay_papay_notify"),
]
