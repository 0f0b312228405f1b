"""Alipay (支付宝开放平台): agreement withholding (商家扣款), refunds, and payment notifications.

Alipay's documented open-platform API, signed with RSA2 (RSASSA-PKCS1-v1_5, SHA-256) in the
"public key" mode: every request is signed with the application's private key, every answer and
notification is verified with Alipay's public key before fairdesk believes it.

* **charge** — ``alipay.trade.pay`` with ``product_code=GENERAL_WITHHOLDING`` and the customer's
  agreement (``agreement_params.agreement_no``): the subscription's payment method is
  ``alipay:<agreement_no>``, stored when the customer signed the withholding agreement.
  ``out_trade_no`` is the idempotency key and ``total_amount`` is in yuan with two decimals.
  The trade is looked up first (``alipay.trade.query``): a retry answers with the outcome of the
  first call and never pays twice; Alipay also refuses a second payment of one ``out_trade_no``
  (``ACQ.TRADE_HAS_SUCCESS``: looked up, then a success with the original ``trade_no``);
* **refund** — ``alipay.trade.refund`` of the payment's ``trade_no`` with ``out_request_no`` =
  the idempotency key: Alipay refunds one ``out_request_no`` once; a repeated call reports no
  new movement of money (``fund_change=N``) and is confirmed with
  ``alipay.trade.fastpay.refund.query``;
* **notification** — the asynchronous notification (``trade_status_sync``, a form POST to
  ``ALIPAY_NOTIFY_URL``): its parameters but ``sign`` and ``sign_type``, sorted, ``k=v`` joined
  with ``&``, verified with Alipay's public key; ``app_id`` must be ours.

An answer that does not verify, or a network failure, leaves the outcome unknown (pending), never
refused: the worker asks again with the same key. Settings: ``ALIPAY_*`` (``settings.py``).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_noop

from fairdesk.core.money import parse_yuan, yuan_amount
from fairdesk.plans.gateway import (
    GatewayNotConfigured,
    GatewayNotice,
    GatewayResult,
    NotificationRejected,
)
from fairdesk.plans.gateway.transport import (
    GatewayUnreachable,
    http_call,
    load_private_key,
    load_public_keys,
    rsa_sign,
    rsa_verify,
)

log = logging.getLogger("fairdesk.plans.gateway")

SHANGHAI = ZoneInfo("Asia/Shanghai")
METHOD_PREFIX = "alipay:"
AGREEMENT_RE = re.compile(r"^[0-9A-Za-z_-]{1,56}$")
PAID_STATES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
#: ``sub_code``s of a business failure that say nothing final: ask again later
RETRY_SUB_CODES = {"ACQ.SYSTEM_ERROR", "ACQ.TRADE_STATUS_ERROR", "aop.ACQ.SYSTEM_ERROR"}


class Unverified(Exception):
    """Alipay's answer was not signed by Alipay, or not the answer to our request."""


def sign_content(params: Mapping[str, str]) -> str:
    """Alipay's string to sign: every parameter with a value but ``sign`` (and, for
    notifications, ``sign_type``), sorted by name, ``name=value`` joined with ``&``."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] and k != "sign")


def signed_part(text: str, key: str) -> str | None:
    """The exact text of the member ``key`` of the JSON object ``text`` (what Alipay signs in
    an answer), or None. Walks the top level with the JSON decoder, so a ``key`` inside a string
    is never mistaken for the member."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")

    def skip(at: int) -> int:
        match = ws.match(text, at)
        return match.end() if match else at

    at = skip(0)
    if text[at : at + 1] != "{":
        return None
    at = skip(at + 1)
    while at < len(text) and text[at] != "}":
        name, at = decoder.raw_decode(text, at)
        at = skip(at)
        if text[at : at + 1] != ":":
            return None
        start = skip(at + 1)
        _value, end = decoder.raw_decode(text, start)
        if name == key:
            return text[start:end]
        at = skip(end)
        if text[at : at + 1] == ",":
            at = skip(at + 1)
    return None


def agreement_of(method: str) -> str | None:
    """``alipay:<agreement_no>`` → the agreement number (None: not an Alipay agreement)."""
    if not method.startswith(METHOD_PREFIX):
        return None
    agreement = method[len(METHOD_PREFIX) :]
    return agreement if AGREEMENT_RE.match(agreement) else None


class AlipayGateway:
    """Alipay's open API (``ALIPAY_GATEWAY_URL``), agreement withholding and refunds."""

    name = "alipay"
    label = gettext_noop("Alipay automatic debit")

    def __init__(self) -> None:
        if not settings.ALIPAY_APP_ID:
            raise GatewayNotConfigured("ALIPAY_APP_ID is not set")
        self.app_id = settings.ALIPAY_APP_ID
        self.url = settings.ALIPAY_GATEWAY_URL
        self.notify_url = settings.ALIPAY_NOTIFY_URL
        self.subject = settings.PAYMENT_SUBJECT
        self.timeout = float(settings.PAYMENT_TIMEOUT_SECONDS)
        self.private_key = load_private_key(
            settings.ALIPAY_APP_PRIVATE_KEY_PATH, "ALIPAY_APP_PRIVATE_KEY_PATH"
        )
        keys = load_public_keys(settings.ALIPAY_PUBLIC_KEY_PATH, "ALIPAY_PUBLIC_KEY_PATH")
        self.alipay_key = next(iter(keys.values()))

    # --- the open API -------------------------------------------------------------------------

    def request_params(
        self, api: str, biz: dict[str, Any], *, notify: bool = False
    ) -> dict[str, str]:
        """The signed parameters of a call of ``api`` (the public ones and ``biz_content``)."""
        params = {
            "app_id": self.app_id,
            "method": api,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        if notify and self.notify_url:
            params["notify_url"] = self.notify_url
        params["sign"] = rsa_sign(self.private_key, sign_content(params).encode("utf-8"))
        return params

    def call(self, api: str, biz: dict[str, Any], *, notify: bool = False) -> dict[str, Any]:
        """Call ``api`` and return its verified answer (``…_response``). Raises
        ``GatewayUnreachable`` or ``Unverified``: the outcome is then unknown."""
        body = urllib.parse.urlencode(self.request_params(api, biz, notify=notify)).encode()
        answer = http_call(
            "POST",
            self.url,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            timeout=self.timeout,
        )
        if answer.status != 200:
            raise Unverified(f"{api}: HTTP {answer.status}")
        try:
            text = answer.body.decode("utf-8")
            document = json.loads(text)
            member = api.replace(".", "_") + "_response"
            part = signed_part(text, member) if isinstance(document, dict) else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise Unverified(f"{api}: not JSON") from exc
        sign = document.get("sign") if isinstance(document, dict) else None
        if part is None or not isinstance(sign, str):
            raise Unverified(f"{api}: unsigned answer {text[:200]!r}")
        if not rsa_verify(self.alipay_key, part.encode("utf-8"), sign):
            raise Unverified(f"{api}: the answer's signature does not verify")
        result = json.loads(part)
        if not isinstance(result, dict):
            raise Unverified(f"{api}: not an object")
        return result

    # --- charge -------------------------------------------------------------------------------

    def trade_state(self, out_trade_no: str, amount_fen: int) -> GatewayResult | None:
        """What Alipay knows of the trade ``out_trade_no`` (None: no such trade)."""
        found = self.call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if found.get("code") != "10000":
            if found.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return None
            return GatewayResult(ok=False, pending=True, error=describe(found))
        return self.trade_result(found, out_trade_no, amount_fen)

    def trade_result(
        self, trade: Mapping[str, Any], out_trade_no: str, amount_fen: int
    ) -> GatewayResult:
        if trade.get("out_trade_no") != out_trade_no:
            raise Unverified(f"the answer is about trade {trade.get('out_trade_no')!r}")
        status = trade.get("trade_status", "TRADE_SUCCESS")
        if status in PAID_STATES:
            paid = parse_yuan(trade.get("total_amount"))
            if paid != amount_fen:
                log.error(
                    "alipay: trade %s paid %r, fairdesk asked %s",
                    out_trade_no,
                    trade.get("total_amount"),
                    yuan_amount(amount_fen),
                )
                return GatewayResult(ok=False, pending=True, error="amount differs")
            return GatewayResult(ok=True, reference=str(trade.get("trade_no", "")))
        if status == "TRADE_CLOSED":
            return GatewayResult(ok=False, error="TRADE_CLOSED: the trade was closed unpaid")
        return GatewayResult(ok=False, pending=True, error=str(status))

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult:
        agreement = agreement_of(method)
        if agreement is None:
            return GatewayResult(ok=False, error="not an Alipay agreement (alipay:<agreement_no>)")
        if amount_fen <= 0:
            return GatewayResult(ok=False, error="nothing to charge")
        try:
            known = self.trade_state(idempotency_key, amount_fen)
            if known is not None:
                return known
            paid = self.call(
                "alipay.trade.pay",
                {
                    "out_trade_no": idempotency_key,
                    "total_amount": yuan_amount(amount_fen),
                    "subject": self.subject,
                    "product_code": "GENERAL_WITHHOLDING",
                    "agreement_params": {"agreement_no": agreement},
                },
                notify=True,
            )
            code = paid.get("code")
            if code == "10000":
                return self.trade_result(paid, idempotency_key, amount_fen)
            if code in {"10003", "20000"} or paid.get("sub_code") in RETRY_SUB_CODES:
                return GatewayResult(ok=False, pending=True, error=describe(paid))
            if paid.get("sub_code") == "ACQ.TRADE_HAS_SUCCESS":
                known = self.trade_state(idempotency_key, amount_fen)
                return known or GatewayResult(ok=False, pending=True, error=describe(paid))
            return GatewayResult(ok=False, error=describe(paid))
        except (GatewayUnreachable, Unverified) as exc:
            log.warning("alipay: charge %s: outcome unknown: %s", idempotency_key, exc)
            return GatewayResult(ok=False, pending=True, error=str(exc)[:200])

    # --- refund -------------------------------------------------------------------------------

    def refund(
        self, *, payment_reference: str, amount_fen: int, idempotency_key: str
    ) -> GatewayResult:
        reference = f"{payment_reference}/{idempotency_key}"
        try:
            done = self.call(
                "alipay.trade.refund",
                {
                    "trade_no": payment_reference,
                    "refund_amount": yuan_amount(amount_fen),
                    "out_request_no": idempotency_key,
                },
            )
            if done.get("code") != "10000":
                pending = done.get("code") == "20000" or done.get("sub_code") in RETRY_SUB_CODES
                return GatewayResult(ok=False, pending=pending, error=describe(done))
            if done.get("trade_no") != payment_reference:
                raise Unverified(f"the answer is about trade {done.get('trade_no')!r}")
            if done.get("fund_change") == "Y":
                return GatewayResult(ok=True, reference=reference)
            # no money moved by this call: a repeat of one already made, or still being paid
            found = self.call(
                "alipay.trade.fastpay.refund.query",
                {"trade_no": payment_reference, "out_request_no": idempotency_key},
            )
            refunded = parse_yuan(found.get("refund_amount"))
            if found.get("code") == "10000" and found.get("refund_status") == "REFUND_SUCCESS":
                if refunded != amount_fen:
                    raise Unverified(f"refunded {found.get('refund_amount')!r}")
                return GatewayResult(ok=True, reference=reference)
            return GatewayResult(ok=False, pending=True, error=describe(found))
        except (GatewayUnreachable, Unverified) as exc:
            log.warning("alipay: refund %s: outcome unknown: %s", idempotency_key, exc)
            return GatewayResult(ok=False, pending=True, error=str(exc)[:200])

    # --- notifications ------------------------------------------------------------------------

    def notice(self, params: Mapping[str, str]) -> GatewayNotice | None:
        """The verified meaning of an asynchronous notification's parameters (None: nothing to
        act on). Raises ``NotificationRejected`` unless Alipay signed it for this application."""
        sign = params.get("sign", "")
        if not sign or params.get("sign_type", "RSA2") != "RSA2":
            raise NotificationRejected("no RSA2 signature")
        content = sign_content({k: v for k, v in params.items() if k != "sign_type"})
        if not rsa_verify(self.alipay_key, content.encode("utf-8"), sign):
            raise NotificationRejected("the signature does not verify")
        if params.get("app_id") != self.app_id:
            raise NotificationRejected(f"for another application ({params.get('app_id')!r})")
        out_trade_no = params.get("out_trade_no", "")
        trade_no = params.get("trade_no", "")
        status = params.get("trade_status", "")
        if not out_trade_no or not trade_no:
            raise NotificationRejected("no trade named")
        if params.get("out_biz_no"):  # a refund of the trade (refund_fee: refunded so far)
            key = params["out_biz_no"]
            return GatewayNotice("refund", key, True, f"{trade_no}/{key}", amount_fen=None)
        amount = parse_yuan(params.get("total_amount"))
        if amount is None:
            raise NotificationRejected("no total_amount")
        if status in PAID_STATES:
            return GatewayNotice("charge", out_trade_no, True, trade_no, amount)
        if status == "TRADE_CLOSED":
            return GatewayNotice("charge", out_trade_no, False, trade_no, amount, "TRADE_CLOSED")
        return None


def describe(answer: Mapping[str, Any]) -> str:
    """Alipay's reason, for the records: ``sub_code: sub_msg`` (or ``code: msg``)."""
    code = answer.get("sub_code") or answer.get("code") or "?"
    text = answer.get("sub_msg") or answer.get("msg") or ""
    return f"{code}: {text}"[:200]
