"""Deployment checks of payments (``fairdesk manage check --deploy``; tag ``payments``).

* ``plans.E001`` no payment gateway is configured (``PAYMENT_GATEWAY`` unset outside the demo):
  nothing would be charged or refunded;
* ``plans.E002`` the demo gateway is configured: it moves no real money;
* ``plans.E003`` the configured gateway cannot be used: a setting or key file is missing or
  unreadable (the message names it), or ``PAYMENT_GATEWAY`` names no gateway;
* ``plans.W004`` a gateway or notification address is not HTTPS (WeChat Pay posts only to
  HTTPS; a key or a notification would cross the network in the clear).

The demo (``FAIRDESK_DEMO``) is exempt: its gateway is the labelled demo one on purpose.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.module_loading import import_string

from fairdesk.plans.gateway import GatewayNotConfigured, LocalGateway, NoGateway, configured_path

TAG = "payments"
HINT = "Set PAYMENT_GATEWAY and its variables (docs/plans.md, Payments; docs/deploy.md)."


@register(TAG, deploy=True)
def check_payment_gateway(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "DEMO", False):
        return []
    path = configured_path()
    try:
        cls = import_string(path)
    except ImportError:
        return [Error(f"PAYMENT_GATEWAY names no gateway: {path!r}.", hint=HINT, id="plans.E003")]
    if cls is NoGateway:
        return [
            Error(
                "No payment gateway is configured: no plan would be charged or refunded.",
                hint=HINT,
                id="plans.E001",
            )
        ]
    if cls is LocalGateway:
        return [
            Error(
                "The demo payment gateway is configured: it moves no real money.",
                hint=HINT,
                id="plans.E002",
            )
        ]
    try:
        gateway = cls()
    except GatewayNotConfigured as exc:
        return [Error(f"The payment gateway cannot be used: {exc}.", hint=HINT, id="plans.E003")]
    urls = {
        "alipay": ["ALIPAY_GATEWAY_URL", "ALIPAY_NOTIFY_URL"],
        "wechatpay": ["WECHATPAY_API_URL", "WECHATPAY_NOTIFY_URL", "WECHATPAY_PAPAY_NOTIFY_URL"],
    }.get(getattr(gateway, "name", ""), [])
    return [
        Warning(
            f"{name} is not an HTTPS address: {getattr(settings, name)!r}.",
            hint="Use https:// (PUBLIC_URL builds the notification addresses).",
            id="plans.W004",
        )
        for name in urls
        if not str(getattr(settings, name, "")).startswith("https://")
    ]
