"""The payment providers' notification endpoints (``/payments/notify/…``), the only pages a
provider posts to: exempt from CSRF (the provider has no session or token of ours) and trusted
only once the notification's signature verified with the provider's key. A notification that
does not verify is refused and changes nothing; one that repeats what is already recorded is
acknowledged and changes nothing (``services.notices``). Each answers in its provider's words:
Alipay ``success``, WeChat Pay API v3 ``204`` (or ``{"code": "FAIL"}``), API v2 XML.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fairdesk.plans.gateway import GatewayNotConfigured, NotificationRejected, gateway_named
from fairdesk.plans.gateway.alipay import AlipayGateway
from fairdesk.plans.gateway.wechatpay import WeChatPayGateway, xml_dump
from fairdesk.plans.services.notices import gateway_notice_apply

log = logging.getLogger("fairdesk.plans")


def configured_alipay() -> AlipayGateway:
    try:
        gateway = gateway_named("alipay")
    except GatewayNotConfigured as exc:
        raise Http404("Alipay is not configured") from exc
    if not isinstance(gateway, AlipayGateway):
        raise Http404("Alipay is not configured")
    return gateway


def configured_wechatpay() -> WeChatPayGateway:
    try:
        gateway = gateway_named("wechatpay")
    except GatewayNotConfigured as exc:
        raise Http404("WeChat Pay is not configured") from exc
    if not isinstance(gateway, WeChatPayGateway):
        raise Http404("WeChat Pay is not configured")
    return gateway


@csrf_exempt
@require_POST
def alipay_notify(request: HttpRequest) -> HttpResponse:
    """Alipay's asynchronous notification (a form): ``success`` once verified and recorded."""
    gateway = configured_alipay()
    params = {}
    for name, values in request.POST.lists():
        if len(values) != 1:
            return HttpResponse("failure", status=400, content_type="text/plain")
        params[name] = values[0]
    try:
        notice = gateway.notice(params)
    except NotificationRejected as exc:
        log.warning("alipay: notification refused: %s", exc)
        return HttpResponse("failure", status=400, content_type="text/plain")
    if notice is not None:
        outcome = gateway_notice_apply(gateway_name=gateway.name, notice=notice)
        log.info("alipay: %s notice %s: %s", notice.kind, notice.idempotency_key, outcome)
    return HttpResponse("success", content_type="text/plain")


@csrf_exempt
@require_POST
def wechatpay_notify(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's API v3 notification (refunds, payments): 204 once verified and recorded."""
    gateway = configured_wechatpay()
    try:
        notice = gateway.notice_v3(request.headers, request.body)
    except NotificationRejected as exc:
        log.warning("wechatpay: notification refused: %s", exc)
        return JsonResponse({"code": "FAIL", "message": "verification failed"}, status=401)
    if notice is not None:
        outcome = gateway_notice_apply(gateway_name=gateway.name, notice=notice)
        log.info("wechatpay: %s notice %s: %s", notice.kind, notice.idempotency_key, outcome)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def wechatpay_papay_notify(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's deduction notification (委托代扣, API v2 XML)."""
    gateway = configured_wechatpay()
    try:
        notice = gateway.notice_v2(request.body)
    except NotificationRejected as exc:
        log.warning("wechatpay: deduction notification refused: %s", exc)
        answer = xml_dump({"return_code": "FAIL", "return_msg": "verification failed"})
        return HttpResponse(answer, status=400, content_type="text/xml")
    if notice is not None:
        outcome = gateway_notice_apply(gateway_name=gateway.name, notice=notice)
        log.info("wechatpay: charge notice %s: %s", notice.idempotency_key, outcome)
    answer = xml_dump({"return_code": "SUCCESS", "return_msg": "OK"})
    return HttpResponse(answer, content_type="text/xml")
