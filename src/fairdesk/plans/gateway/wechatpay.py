"""WeChat Pay (微信支付, direct merchant): contract withholding (委托代扣), API v3 refunds, and
the notifications of both.

What WeChat Pay's documentation offers a direct merchant, and so what this gateway uses:

* **charge** — 委托代扣 申请扣款 (``POST /pay/pappayapply``, ``trade_type=PAP``) against the
  customer's contract: the subscription's payment method is ``wechatpay:<contract_id>``, stored
  when the customer signed the contract. For a direct merchant's recurring deductions WeChat Pay
  documents this call in API v2 only (XML, signed HMAC-SHA256 with the API v2 key): the v3
  deduction calls are for service providers whose contracts end after one scheduled deduction
  (预约扣费 / 受理扣款) or for single industries (insurance, education, HarmonyOS). The call is
  *accepted*, and the deduction is carried out later: its result comes by the deduction
  notification (``WECHATPAY_PAPAY_NOTIFY_URL``) or is looked up (``POST /pay/paporderquery``).
  ``out_trade_no`` is the idempotency key: one merchant and one ``out_trade_no`` are charged once
  (WeChat Pay's rule); the order is looked up first, so a retry answers with what happened to it;
* **refund** — API v3 ``POST /v3/refund/domestic/refunds`` of the payment's ``transaction_id``
  with ``out_refund_no`` = the idempotency key (looked up first with ``GET …/{out_refund_no}``),
  amounts in fen (the order's total is looked up); WeChat Pay answers ``PROCESSING`` and tells the
  outcome by the refund notification (``WECHATPAY_NOTIFY_URL``);
* **API v3 security** — every request signed ``WECHATPAY2-SHA256-RSA2048`` with the merchant's
  private key; every answer and notification verified with WeChat Pay's public key
  (``WECHATPAY_PUBLIC_KEY_PATH`` + ``WECHATPAY_PUBLIC_KEY_ID``) or platform certificate(s)
  (``WECHATPAY_PLATFORM_CERT_PATH``), chosen by the ``Wechatpay-Serial`` header, with a timestamp
  at most 5 minutes off; a notification's resource is decrypted (AEAD_AES_256_GCM, the API v3
  key) only after its signature verified.

An answer that does not verify, or a network failure, leaves the outcome unknown (pending), never
refused: the worker asks again with the same key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext_noop

from fairdesk.plans.gateway import (
    GatewayNotConfigured,
    GatewayNotice,
    GatewayResult,
    NotificationRejected,
)
from fairdesk.plans.gateway.transport import (
    Answer,
    GatewayUnreachable,
    http_call,
    load_private_key,
    load_public_keys,
    rsa_sign,
    rsa_verify,
)

log = logging.getLogger("fairdesk.plans.gateway")

METHOD_PREFIX = "wechatpay:"
CONTRACT_RE = re.compile(r"^[0-9A-Za-z_-]{1,54}$")
OUT_NO_RE = re.compile(r"^[0-9A-Za-z_|*-]{6,32}$")  # out_trade_no: 6–32, WeChat Pay's characters
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW = 300  # seconds between WeChat Pay's timestamp and ours
PAID_STATES = {"SUCCESS", "REFUND"}  # REFUND: paid, then (partly) refunded
WAITING_STATES = {"ACCEPT", "NOTPAY", "USERPAYING", "PAYING"}
#: error codes that say nothing final: ask again later
RETRY_ERRORS = {"SYSTEMERROR", "SYSTEM_ERROR", "FREQUENCY_LIMITED", "NOT_ENOUGH"}
REFUND_EVENTS = {"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"}


class Unverified(Exception):
    """WeChat Pay's answer did not verify, or is not the answer to our request."""


def contract_of(method: str) -> str | None:
    """``wechatpay:<contract_id>`` → the contract id (None: not a WeChat Pay contract)."""
    if not method.startswith(METHOD_PREFIX):
        return None
    contract = method[len(METHOD_PREFIX) :]
    return contract if CONTRACT_RE.match(contract) else None


# --- API v2 (the deduction): XML signed with the API v2 key ------------------------------------


def v2_sign(params: Mapping[str, str], key: str, sign_type: str = "HMAC-SHA256") -> str:
    """WeChat Pay's v2 signature: the parameters with a value but ``sign``, sorted, ``k=v``
    joined with ``&``, then ``&key=<API v2 key>``; HMAC-SHA256 (or MD5), upper-case hex."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] and k != "sign")
    text += f"&key={key}"
    if sign_type == "MD5":
        return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return hmac.new(key.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def v2_verified(params: Mapping[str, str], key: str) -> bool:
    """True when the API v2 key signed ``params``: with the ``sign_type`` they name or, when they
    name none (an answer is signed as its request was), the type its length tells (HMAC-SHA256:
    64 hex digits, MD5: 32)."""
    sign = params.get("sign", "")
    sign_type = params.get("sign_type") or ("HMAC-SHA256" if len(sign) == 64 else "MD5")
    if sign_type not in {"MD5", "HMAC-SHA256"}:
        return False
    return hmac.compare_digest(sign, v2_sign(params, key, sign_type))


def xml_dump(params: Mapping[str, str]) -> bytes:
    root = ET.Element("xml")
    for name, value in params.items():
        ET.SubElement(root, name).text = value
    text: bytes = ET.tostring(root, encoding="utf-8")
    return text


def xml_load(body: bytes) -> dict[str, str]:
    """A flat ``<xml>`` document → its fields. No DTD and no entity is accepted (XXE)."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise ValueError("a DTD in the XML")
    root = ET.fromstring(body)
    if root.tag != "xml":
        raise ValueError("not WeChat Pay's XML")
    return {child.tag: (child.text or "") for child in root}


class WeChatPayGateway:
    """WeChat Pay (``WECHATPAY_API_URL``): contract withholding and API v3 refunds."""

    name = "wechatpay"
    label = gettext_noop("WeChat Pay automatic debit")

    def __init__(self) -> None:
        self.mch_id = settings.WECHATPAY_MCH_ID
        self.app_id = settings.WECHATPAY_APP_ID
        self.serial = settings.WECHATPAY_MCH_CERT_SERIAL
        self.base = settings.WECHATPAY_API_URL.rstrip("/")
        self.notify_url = settings.WECHATPAY_NOTIFY_URL
        self.papay_notify_url = settings.WECHATPAY_PAPAY_NOTIFY_URL
        self.server_ip = settings.WECHATPAY_SERVER_IP
        self.subject = settings.PAYMENT_SUBJECT
        self.timeout = float(settings.PAYMENT_TIMEOUT_SECONDS)
        self.v2_key = settings.WECHATPAY_APIV2_KEY
        self.v3_key = settings.WECHATPAY_APIV3_KEY.encode("utf-8")
        missing = [
            name
            for name, value in [
                ("WECHATPAY_MCH_ID", self.mch_id),
                ("WECHATPAY_APP_ID", self.app_id),
                ("WECHATPAY_MCH_CERT_SERIAL", self.serial),
                ("WECHATPAY_APIV2_KEY", self.v2_key),
                ("WECHATPAY_SERVER_IP", self.server_ip),
            ]
            if not value
        ]
        if missing:
            raise GatewayNotConfigured(", ".join(missing) + " not set")
        if len(self.v3_key) != 32:
            raise GatewayNotConfigured("WECHATPAY_APIV3_KEY must be 32 bytes")
        self.private_key = load_private_key(
            settings.WECHATPAY_MCH_PRIVATE_KEY_PATH, "WECHATPAY_MCH_PRIVATE_KEY_PATH"
        )
        self.platform_keys = wechatpay_keys()

    # --- API v3: signed requests, verified answers ----------------------------------------------

    def authorization(self, method: str, path: str, body: str) -> str:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"
        signature = rsa_sign(self.private_key, message.encode("utf-8"))
        return (
            f'{SIGNATURE_TYPE} mchid="{self.mch_id}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",serial_no="{self.serial}"'
        )

    def verify(self, headers: Mapping[str, str] | Answer, body: bytes) -> None:
        """Raise ``Unverified`` unless WeChat Pay signed ``body`` (an answer or a notification)."""
        get = headers.header if isinstance(headers, Answer) else headers.get
        signature = get("Wechatpay-Signature") or ""
        timestamp = get("Wechatpay-Timestamp") or ""
        nonce = get("Wechatpay-Nonce") or ""
        serial = get("Wechatpay-Serial") or ""
        if (get("Wechatpay-Signature-Type") or SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise Unverified("another signature type")
        if not (signature and timestamp.isdigit() and nonce):
            raise Unverified("not signed")
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            raise Unverified("the signature's timestamp is more than 5 minutes off")
        key = self.platform_keys.get(serial.upper()) or self.platform_keys.get(serial)
        if key is None:
            raise Unverified(f"signed with an unknown key ({serial!r})")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unverified("not UTF-8") from exc
        if not rsa_verify(key, f"{timestamp}\n{nonce}\n{text}\n".encode(), signature):
            raise Unverified("the signature does not verify")

    def v3(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Answer:
        """One API v3 call, signed; its answer verified when it is a success or carries a
        signature. Raises ``GatewayUnreachable`` or ``Unverified``."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""
        full_path = urlsplit(self.base).path + path
        headers = {
            "Authorization": self.authorization(method, full_path, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "fairdesk",
        }
        if settings.WECHATPAY_PUBLIC_KEY_ID:
            headers["Wechatpay-Serial"] = settings.WECHATPAY_PUBLIC_KEY_ID
        answer = http_call(
            method,
            self.base + path,
            body=body.encode("utf-8") if body else None,
            headers=headers,
            timeout=self.timeout,
        )
        # A success must be signed. An error may come unsigned: it is only ever read to ask
        # again or to post the same idempotent request, which a forged one cannot abuse.
        if 200 <= answer.status < 300 or answer.header("Wechatpay-Signature"):
            self.verify(answer, answer.body)
        return answer

    @staticmethod
    def json_of(answer: Answer) -> dict[str, Any]:
        try:
            document = json.loads(answer.body or b"{}")
        except ValueError as exc:
            raise Unverified("not JSON") from exc
        if not isinstance(document, dict):
            raise Unverified("not an object")
        return document

    # --- API v2: the deduction and its order -----------------------------------------------------

    def v2(self, path: str, fields: dict[str, str]) -> dict[str, str]:
        """One API v2 call; its verified answer. Raises ``GatewayUnreachable`` or
        ``Unverified``; a ``return_code`` FAIL (the request was not taken) is returned."""
        params = {
            "appid": self.app_id,
            "mch_id": self.mch_id,
            "nonce_str": secrets.token_hex(16),
            "sign_type": "HMAC-SHA256",
            **fields,
        }
        params["sign"] = v2_sign(params, self.v2_key)
        answer = http_call(
            "POST",
            self.base + path,
            body=xml_dump(params),
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=self.timeout,
        )
        if answer.status != 200:
            raise Unverified(f"{path}: HTTP {answer.status}")
        try:
            result = xml_load(answer.body)
        except (ET.ParseError, ValueError) as exc:
            raise Unverified(f"{path}: not WeChat Pay's XML") from exc
        if result.get("return_code") != "SUCCESS":
            return result
        if not v2_verified(result, self.v2_key):
            raise Unverified(f"{path}: the answer's signature does not verify")
        if result.get("mch_id") != self.mch_id or result.get("appid") != self.app_id:
            raise Unverified(f"{path}: the answer is for another merchant")
        return result

    def order(self, **which: str) -> dict[str, str] | None:
        """The deduction order (by ``out_trade_no`` or ``transaction_id``); None: no such order."""
        found = self.v2("/pay/paporderquery", which)
        if found.get("return_code") != "SUCCESS":
            raise Unverified(describe(found))
        if found.get("result_code") != "SUCCESS":
            if found.get("err_code") == "ORDERNOTEXIST":
                return None
            raise Unverified(describe(found))
        return found

    def order_result(self, order: Mapping[str, str], amount_fen: int) -> GatewayResult:
        state = order.get("trade_state", "")
        if state in PAID_STATES:
            if order.get("total_fee") != str(amount_fen):
                log.error(
                    "wechatpay: order %s paid %r fen, fairdesk asked %s",
                    order.get("out_trade_no"),
                    order.get("total_fee"),
                    amount_fen,
                )
                return GatewayResult(ok=False, pending=True, error="amount differs")
            return GatewayResult(ok=True, reference=order.get("transaction_id", ""))
        if state in WAITING_STATES:
            return GatewayResult(ok=False, pending=True, error=state)
        return GatewayResult(ok=False, error=f"{state}: {order.get('trade_state_desc', '')}"[:200])

    def charge(self, *, method: str, amount_fen: int, idempotency_key: str) -> GatewayResult:
        contract = contract_of(method)
        if contract is None:
            return GatewayResult(ok=False, error="not a WeChat Pay contract (wechatpay:<id>)")
        if amount_fen <= 0 or not OUT_NO_RE.match(idempotency_key):
            return GatewayResult(ok=False, error="nothing to charge, or a key WeChat Pay refuses")
        try:
            known = self.order(out_trade_no=idempotency_key)
            if known is not None:
                return self.order_result(known, amount_fen)
            applied = self.v2(
                "/pay/pappayapply",
                {
                    "body": self.subject,
                    "out_trade_no": idempotency_key,
                    "total_fee": str(amount_fen),
                    "fee_type": "CNY",
                    "spbill_create_ip": self.server_ip,
                    "notify_url": self.papay_notify_url,
                    "trade_type": "PAP",
                    "contract_id": contract,
                },
            )
            if applied.get("return_code") != "SUCCESS":
                return GatewayResult(ok=False, error=describe(applied))
            if applied.get("result_code") == "SUCCESS":  # accepted: carried out later
                return GatewayResult(ok=False, pending=True, error="accepted")
            error = applied.get("err_code", "")
            if error == "ORDERPAID":
                known = self.order(out_trade_no=idempotency_key)
                if known is not None:
                    return self.order_result(known, amount_fen)
            if error in RETRY_ERRORS or error == "ORDERPAID":
                return GatewayResult(ok=False, pending=True, error=describe(applied))
            return GatewayResult(ok=False, error=describe(applied))
        except (GatewayUnreachable, Unverified) as exc:
            log.warning("wechatpay: charge %s: outcome unknown: %s", idempotency_key, exc)
            return GatewayResult(ok=False, pending=True, error=str(exc)[:200])

    # --- refund (API v3) -------------------------------------------------------------------------

    @staticmethod
    def refund_result(refund: Mapping[str, Any], amount_fen: int, key: str) -> GatewayResult:
        if refund.get("out_refund_no") != key:
            raise Unverified(f"the answer is about refund {refund.get('out_refund_no')!r}")
        amount = refund.get("amount")
        if not isinstance(amount, dict) or amount.get("refund") != amount_fen:
            raise Unverified("the answer's refund amount differs")
        status = refund.get("status")
        if status == "SUCCESS":
            return GatewayResult(ok=True, reference=str(refund.get("refund_id", "")))
        if status == "PROCESSING":
            return GatewayResult(ok=False, pending=True, error="PROCESSING")
        return GatewayResult(ok=False, error=f"{status}: the refund was not paid")

    def refund(
        self, *, payment_reference: str, amount_fen: int, idempotency_key: str
    ) -> GatewayResult:
        try:
            found = self.v3("GET", "/v3/refund/domestic/refunds/" + quote(idempotency_key, ""))
            if found.status == 200:
                return self.refund_result(self.json_of(found), amount_fen, idempotency_key)
            if self.json_of(found).get("code") != "RESOURCE_NOT_EXISTS":
                return GatewayResult(ok=False, pending=True, error=describe_v3(found))
            order = self.order(transaction_id=payment_reference)
            if order is None:
                return GatewayResult(ok=False, error="ORDERNOTEXIST: no such payment")
            made = self.v3(
                "POST",
                "/v3/refund/domestic/refunds",
                {
                    "transaction_id": payment_reference,
                    "out_refund_no": idempotency_key,
                    "notify_url": self.notify_url,
                    "amount": {
                        "refund": amount_fen,
                        "total": int(order.get("total_fee", "0")),
                        "currency": "CNY",
                    },
                },
            )
            if made.status == 200:
                return self.refund_result(self.json_of(made), amount_fen, idempotency_key)
            code = self.json_of(made).get("code", "") if made.status < 500 else "SYSTEM_ERROR"
            pending = code in RETRY_ERRORS
            return GatewayResult(ok=False, pending=pending, error=describe_v3(made))
        except (GatewayUnreachable, Unverified) as exc:
            log.warning("wechatpay: refund %s: outcome unknown: %s", idempotency_key, exc)
            return GatewayResult(ok=False, pending=True, error=str(exc)[:200])

    # --- notifications ---------------------------------------------------------------------------

    def decrypt(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        """A notification's resource, decrypted with the API v3 key (AEAD_AES_256_GCM)."""
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected("not AEAD_AES_256_GCM")
        try:
            plain = AESGCM(self.v3_key).decrypt(
                str(resource.get("nonce", "")).encode("utf-8"),
                base64.b64decode(str(resource.get("ciphertext", "")), validate=True),
                str(resource.get("associated_data", "")).encode("utf-8"),
            )
            document = json.loads(plain)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise NotificationRejected("the resource does not decrypt") from exc
        if not isinstance(document, dict):
            raise NotificationRejected("the resource is not an object")
        return document

    def notice_v3(self, headers: Mapping[str, str], body: bytes) -> GatewayNotice | None:
        """An API v3 notification (refunds; payments too): verified, then decrypted."""
        try:
            self.verify(headers, body)
            document = json.loads(body)
        except (Unverified, ValueError) as exc:
            raise NotificationRejected(str(exc)) from exc
        if not isinstance(document, dict) or document.get("resource_type") != "encrypt-resource":
            raise NotificationRejected("no encrypted resource")
        event = document.get("event_type")
        resource = self.decrypt(document.get("resource") or {})
        if resource.get("mchid") not in {None, self.mch_id}:
            raise NotificationRejected("for another merchant")
        found = resource.get("amount")
        amount: dict[str, Any] = found if isinstance(found, dict) else {}
        if event in REFUND_EVENTS:
            key, status = str(resource.get("out_refund_no", "")), resource.get("refund_status")
            refunded = amount.get("refund")
            if not key or not isinstance(refunded, int):
                raise NotificationRejected("no refund named")
            ok = event == "REFUND.SUCCESS" and status == "SUCCESS"
            error = "" if ok else f"{status}: the refund was not paid"
            return GatewayNotice(
                "refund", key, ok, str(resource.get("refund_id", "")), refunded, error
            )
        if event == "TRANSACTION.SUCCESS" and resource.get("trade_state") == "SUCCESS":
            total = amount.get("total")
            if not isinstance(total, int) or not resource.get("out_trade_no"):
                raise NotificationRejected("no order named")
            return GatewayNotice(
                "charge",
                str(resource["out_trade_no"]),
                True,
                str(resource.get("transaction_id", "")),
                total,
            )
        return None

    def notice_v2(self, body: bytes) -> GatewayNotice | None:
        """The deduction notification (API v2 XML, signed with the API v2 key)."""
        try:
            fields = xml_load(body)
        except (ET.ParseError, ValueError) as exc:
            raise NotificationRejected("not WeChat Pay's XML") from exc
        if fields.get("return_code") != "SUCCESS" or not v2_verified(fields, self.v2_key):
            raise NotificationRejected("the signature does not verify")
        if fields.get("mch_id") != self.mch_id or fields.get("appid") != self.app_id:
            raise NotificationRejected("for another merchant")
        key = fields.get("out_trade_no", "")
        total = fields.get("total_fee", "")
        if not key or not total.isdigit():
            raise NotificationRejected("no order named")
        paid = fields.get("result_code") == "SUCCESS" and fields.get("trade_state", "SUCCESS") in (
            PAID_STATES
        )
        reference, error = fields.get("transaction_id", ""), "" if paid else describe(fields)
        return GatewayNotice("charge", key, paid, reference, int(total), error)


def wechatpay_keys() -> dict[str, rsa.RSAPublicKey]:
    """WeChat Pay's verification keys by ``Wechatpay-Serial``: the WeChat Pay public key under
    its id, and/or each platform certificate under its serial number."""
    keys: dict[str, rsa.RSAPublicKey] = {}
    if settings.WECHATPAY_PUBLIC_KEY_PATH:
        if not settings.WECHATPAY_PUBLIC_KEY_ID:
            raise GatewayNotConfigured("WECHATPAY_PUBLIC_KEY_ID is not set")
        public = load_public_keys(settings.WECHATPAY_PUBLIC_KEY_PATH, "WECHATPAY_PUBLIC_KEY_PATH")
        keys[settings.WECHATPAY_PUBLIC_KEY_ID] = next(iter(public.values()))
    if settings.WECHATPAY_PLATFORM_CERT_PATH:
        certs = load_public_keys(
            settings.WECHATPAY_PLATFORM_CERT_PATH, "WECHATPAY_PLATFORM_CERT_PATH"
        )
        keys.update({serial: key for serial, key in certs.items() if serial})
    if not keys:
        raise GatewayNotConfigured(
            "WECHATPAY_PUBLIC_KEY_PATH (with WECHATPAY_PUBLIC_KEY_ID) or "
            "WECHATPAY_PLATFORM_CERT_PATH is not set"
        )
    return keys


def describe(fields: Mapping[str, str]) -> str:
    """WeChat Pay's v2 reason: ``err_code: err_code_des`` (or ``return_msg``)."""
    code = fields.get("err_code") or fields.get("return_code") or "?"
    text = fields.get("err_code_des") or fields.get("return_msg") or ""
    return f"{code}: {text}"[:200]


def describe_v3(answer: Answer) -> str:
    try:
        document = json.loads(answer.body or b"{}")
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    return f"HTTP {answer.status} {document.get('code', '')}: {document.get('message', '')}"[:200]
