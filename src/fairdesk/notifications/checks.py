"""System checks of the notifications: is text messaging set up (docs/notifications.md)?

* ``sms_configuration`` (every check run, so every command, the deliverer and ``fairdesk serve``
  report it at start): a chosen ``SMS_PROVIDER`` must be known and have its credentials, a sign
  name and a template for every kind of text message (``kinds.SMS_KINDS``); a template for an
  unknown kind is a typo. A misconfigured gateway would otherwise fail message after message.
* ``sms_gateway_in_production`` (``deploy=True``: ``fairdesk manage check --deploy``, and
  ``fairdesk serve`` before it starts): outside the demo there must be a real gateway, unless
  ``FAIRDESK_WITHOUT_SMS`` says to run without one: otherwise no customer gets a sign-in code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from fairdesk.notifications.kinds import SMS_KINDS
from fairdesk.notifications.senders import SMS_PROVIDERS, has_sms_gateway

#: The tag of these checks (``check --tag sms``; ``fairdesk serve`` runs it).
TAG = "sms"

HINT = "See docs/notifications.md for the SMS variables."

#: Each provider's credentials: setting (and environment variable) names.
CREDENTIALS = {
    "aliyun": ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET"),
    "tencent": ("TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID"),
}


@register(TAG)
def sms_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    provider = getattr(settings, "SMS_PROVIDER", "")
    if not provider:
        return []
    if provider not in SMS_PROVIDERS:
        return [
            Error(
                f"SMS_PROVIDER is {provider!r}: it must be one of {', '.join(SMS_PROVIDERS)} "
                "(or empty for no SMS gateway).",
                hint=HINT,
                id="notifications.E001",
            )
        ]
    errors: list[CheckMessage] = []
    missing = [name for name in CREDENTIALS[provider] if not getattr(settings, name, "")]
    if not getattr(settings, "SMS_SIGN_NAME", ""):
        missing.append("SMS_SIGN_NAME")
    if missing:
        errors.append(
            Error(
                f"SMS_PROVIDER is {provider!r} but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set.",
                hint=HINT,
                id="notifications.E002",
            )
        )
    templates = getattr(settings, "SMS_TEMPLATES", {}) or {}
    without = [kind for kind in SMS_KINDS if not templates.get(kind)]
    if without:
        errors.append(
            Error(
                f"SMS_TEMPLATES has no template for {', '.join(without)}: these text "
                "messages could not be sent.",
                hint="Give every kind its approved template: SMS_TEMPLATES="
                + ",".join(f"{kind}=…" for kind in without)
                + ". "
                + HINT,
                id="notifications.E003",
            )
        )
    unknown = sorted(set(templates) - set(SMS_KINDS))
    if unknown:
        errors.append(
            Error(
                f"SMS_TEMPLATES names kinds of message that do not exist: {', '.join(unknown)}.",
                hint=f"The kinds are: {', '.join(SMS_KINDS)}.",
                id="notifications.E004",
            )
        )
    return errors


@register(TAG, deploy=True)
def sms_gateway_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "DEMO", False) or getattr(settings, "WITHOUT_SMS", False):
        return []
    if has_sms_gateway() or bool(getattr(settings, "SMS_PROVIDER", "")):
        return []  # a provider that is chosen but wrong is sms_configuration's error
    return [
        Error(
            "No SMS gateway is configured, so no customer would receive a sign-in code or a "
            "text message.",
            hint="Set SMS_PROVIDER (aliyun or tencent) and its variables, or set "
            "FAIRDESK_WITHOUT_SMS=true to run without text messages on purpose. " + HINT,
            id="notifications.E010",
        )
    ]
