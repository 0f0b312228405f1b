"""Text messages through China's SMS gateways, over their documented HTTP APIs.

* ``AliyunSmsSender``: Alibaba Cloud SMS, ``dysmsapi`` ``SendSms`` (version 2017-05-25), RPC
  style with the HMAC-SHA1 signature (``aliyun_signature``), the message id as ``OutId``.
* ``TencentSmsSender``: Tencent Cloud SMS, ``SendSms`` (version 2021-01-11), signed with
  TC3-HMAC-SHA256 (``tencent_authorization``), the message id as ``SessionContext``.

Both send the approved template of the message's kind (``settings.SMS_TEMPLATES``) with the
message's parameters (``Message.params``, named as in ``kinds.SMS_KINDS``), under the sign name
``SMS_SIGN_NAME``. A gateway's refusal, an unreadable answer or a network failure raises
``SendError``: the message stays in the outbox with the error and is tried again. Nothing here
logs or returns the text or the parameters of a message.

The provider's SDKs would bring a tree of packages each; the two requests are small and their
signatures are documented, so they are written here on httpx and checked by the tests against a
local server that verifies them as the providers document them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.conf import settings

from fairdesk.notifications.kinds import SMS_KINDS
from fairdesk.notifications.models import Message
from fairdesk.notifications.senders import SendError

ALIYUN_VERSION = "2017-05-25"
TENCENT_VERSION = "2021-01-11"
TENCENT_SERVICE = "sms"


@functools.cache
def http_client(timeout: float) -> httpx.Client:
    """One client per process and timeout: its connections are kept alive between messages."""
    return httpx.Client(timeout=timeout, trust_env=False)


def template_of(message: Message) -> tuple[str, list[tuple[str, str]]]:
    """The template id of the message's kind and its parameters, in the template's order."""
    names = SMS_KINDS.get(message.kind)
    if names is None:
        raise SendError(f"{message.kind} is not a kind of text message")
    template = (getattr(settings, "SMS_TEMPLATES", {}) or {}).get(message.kind)
    if not template:
        raise SendError(f"no SMS template for {message.kind} (SMS_TEMPLATES)")
    params = message.params if isinstance(message.params, dict) else {}
    missing = [name for name in names if name not in params]
    if missing:
        raise SendError(f"message {message.pk} lacks the template parameters {missing}")
    return template, [(name, str(params[name])) for name in names]


def _post(url: str, **kwargs: Any) -> dict[str, Any]:
    """POST and read the JSON answer; any failure to get one is a ``SendError``."""
    try:
        response = http_client(float(settings.SMS_TIMEOUT_SECONDS)).post(url, **kwargs)
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    try:
        answer = response.json()
    except ValueError:
        raise SendError(f"HTTP {response.status_code}: not a JSON answer") from None
    if not isinstance(answer, dict):
        raise SendError(f"HTTP {response.status_code}: unexpected answer")
    return answer


# --- Alibaba Cloud ----------------------------------------------------------------------------


def aliyun_percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding of UTF-8, as Alibaba Cloud's RPC signature wants it: only
    ``A-Z a-z 0-9 - _ . ~`` unencoded (a space is ``%20``, ``*`` is ``%2A``)."""
    return quote(text, safe="")


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """The RPC signature (SignatureMethod HMAC-SHA1, SignatureVersion 1.0): the parameters but
    ``Signature``, sorted by name, encoded and joined into the canonicalized query string;
    ``METHOD&%2F&`` + its encoding is signed with ``AccessKeySecret&``, in base64."""
    canonical = "&".join(
        f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    """Alibaba Cloud SMS (``SMS_PROVIDER=aliyun``)."""

    name = "aliyun-sms"

    def send(self, message: Message) -> None:
        template, values = template_of(message)
        params = {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": settings.ALIYUN_SMS_REGION,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": ALIYUN_VERSION,
            "PhoneNumbers": message.recipient,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateCode": template,
            "TemplateParam": json.dumps(dict(values), ensure_ascii=False, separators=(",", ":")),
            # the message's id: the gateway's idempotency key and the delivery receipt's id
            "OutId": str(message.pk),
        }
        params["Signature"] = aliyun_signature(params, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
        answer = _post(settings.ALIYUN_SMS_ENDPOINT + "/", data=params)
        if answer.get("Code") != "OK":
            raise SendError(
                f"aliyun {answer.get('Code', 'no code')}: {answer.get('Message', '')}"[:500]
            )


# --- Tencent Cloud ----------------------------------------------------------------------------


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """The ``Authorization`` header of a POST to Tencent Cloud API 3.0 (TC3-HMAC-SHA256): the
    canonical request (method, URI ``/``, empty query, the signed headers ``content-type``,
    ``host`` and ``x-tc-action`` in lower case, the payload's SHA-256), the string to sign with
    the credential scope ``date/service/tc3_request`` (UTC date of the timestamp), and the key
    derived from ``TC3`` + SecretKey through the date, the service and ``tc3_request``."""
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, _sha256_hex(payload)]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{TENCENT_SERVICE}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode())]
    )
    key = _hmac_sha256(f"TC3{secret_key}".encode(), date)
    key = _hmac_sha256(key, TENCENT_SERVICE)
    key = _hmac_sha256(key, "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def e164_mainland(phone: str) -> str:
    """'13800138000' → '+8613800138000' (a number already with a + is kept)."""
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsSender:
    """Tencent Cloud SMS (``SMS_PROVIDER=tencent``)."""

    name = "tencent-sms"

    def send(self, message: Message) -> None:
        template, values = template_of(message)
        payload = json.dumps(
            {
                "PhoneNumberSet": [e164_mainland(message.recipient)],
                "SmsSdkAppId": settings.TENCENT_SMS_SDK_APP_ID,
                "SignName": settings.SMS_SIGN_NAME,
                "TemplateId": template,
                "TemplateParamSet": [value for _name, value in values],
                # the message's id: the gateway's idempotency key, returned in its receipts
                "SessionContext": str(message.pk),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        url = settings.TENCENT_SMS_ENDPOINT + "/"
        host = urlsplit(url).netloc
        timestamp = int(time.time())
        content_type = "application/json; charset=utf-8"
        headers = {
            "Authorization": tencent_authorization(
                secret_id=settings.TENCENT_SMS_SECRET_ID,
                secret_key=settings.TENCENT_SMS_SECRET_KEY,
                host=host,
                action="SendSms",
                payload=payload,
                timestamp=timestamp,
                content_type=content_type,
            ),
            "Content-Type": content_type,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": TENCENT_VERSION,
            "X-TC-Region": settings.TENCENT_SMS_REGION,
        }
        answer = _post(url, content=payload, headers=headers).get("Response")
        if not isinstance(answer, dict):
            raise SendError("tencent: no Response in the answer")
        error = answer.get("Error")
        if isinstance(error, dict):
            raise SendError(f"tencent {error.get('Code')}: {error.get('Message', '')}"[:500])
        statuses = answer.get("SendStatusSet")
        status = statuses[0] if isinstance(statuses, list) and statuses else None
        if not isinstance(status, dict):
            raise SendError("tencent: no SendStatusSet in the answer")
        if status.get("Code") != "Ok":
            raise SendError(f"tencent {status.get('Code')}: {status.get('Message', '')}"[:500])
