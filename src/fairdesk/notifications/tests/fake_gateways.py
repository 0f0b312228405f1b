"""Local stand-ins for Alibaba Cloud's and Tencent Cloud's SMS APIs, for the tests.

Each is a real HTTP server on 127.0.0.1 (a thread) that checks a ``SendSms`` request as the
provider documents it — the parameters, the timestamp's window, a nonce used once, and the
signature, computed here again from the documents and independently of ``fairdesk``'s client —
and answers as the provider does: success, a refusal (``refuse``), or a signature error.

Like a provider that honours an idempotency key, it sends a message once per key (Alibaba
Cloud's ``OutId``, Tencent Cloud's ``SessionContext``): a repeat is answered with success and
counted in ``repeats``, not sent again. ``sent`` holds each key sent, with its parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus

SIGN_NAME = "公平服务"
# Alibaba Cloud's template codes and Tencent Cloud's template ids, one per kind
ALIYUN_TEMPLATES = {
    "login_code": "SMS_100000001",
    "service_request.created": "SMS_100000002",
    "plans.subscribed": "SMS_100000003",
    "plans.change_confirmed": "SMS_100000004",
    "plans.change_undone": "SMS_100000005",
    "plans.price_notice": "SMS_100000006",
    "plans.payment_failed": "SMS_100000007",
    "plans.renewal_reminder": "SMS_100000008",
    "contact.complaint": "SMS_100000009",
    "contact.callback": "SMS_100000010",
    "contact.callback_missed": "SMS_100000011",
    "service_request.safety": "SMS_100000012",
    "contact.callback_cancelled": "SMS_100000013",
}
TENCENT_TEMPLATES = {kind: str(2_000_000 + i) for i, kind in enumerate(ALIYUN_TEMPLATES)}
ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI-test-key", "aliyun-test-secret"
TENCENT_ID, TENCENT_KEY, TENCENT_APP = "AKID-test-id", "tencent-test-key", "1400000001"


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the crash tests) is expected: no traceback."""


class FakeGateway:
    provider = ""

    def __init__(self, templates: dict[str, tuple[str, ...]]) -> None:
        # template id → its variables' names (the kinds' parameters, as registered)
        self.templates = templates
        self.sent: dict[str, dict[str, Any]] = {}
        self.repeats = 0
        self.bad_signatures = 0
        self.refuse = False
        self.nonces: set[str] = set()
        self.lock = threading.Lock()
        #: called with the key after a message is taken and before the answer goes back
        self.on_sent: Callable[[str], None] | None = None
        self.server = QuietServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = gateway.handle(self.path, dict(self.headers.items()), body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def take(self, key: str, record: dict[str, Any]) -> None:
        """Send once per key (the provider's idempotency)."""
        with self.lock:
            if key in self.sent:
                self.repeats += 1
                return
            self.sent[key] = record
        if self.on_sent is not None:
            self.on_sent(key)

    def fresh_nonce(self, nonce: str) -> bool:
        with self.lock:
            if nonce in self.nonces:
                return False
            self.nonces.add(nonce)
            return True

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Alibaba Cloud: dysmsapi SendSms, RPC style, HMAC-SHA1 -------------------------------------


def rpc_encode(text: str) -> str:
    """The documents' rule: URL-encode in UTF-8, then "+" → "%20", "*" → "%2A", "%7E" → "~"."""
    return quote_plus(text, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def rpc_signature(method: str, params: dict[str, str], secret: str) -> str:
    query = "&".join(
        rpc_encode(k) + "=" + rpc_encode(params[k]) for k in sorted(params) if k != "Signature"
    )
    string_to_sign = method + "&" + rpc_encode("/") + "&" + rpc_encode(query)
    mac = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeAliyun(FakeGateway):
    provider = "aliyun"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        request_id = str(uuid.uuid4()).upper()
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        common = {
            "AccessKeyId": ALIYUN_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "Version": "2017-05-25",
        }
        for name, value in common.items():
            if params.get(name) != value:
                return 400, {"Code": "MissingParameter", "Message": name, "RequestId": request_id}
        stamp = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        if abs(stamp.replace(tzinfo=UTC).timestamp() - time.time()) > 15 * 60:
            return 400, {"Code": "InvalidTimeStamp.Expired", "RequestId": request_id}
        if params.get("Signature") != rpc_signature("POST", params, ALIYUN_SECRET):
            self.bad_signatures += 1
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "RequestId": request_id,
            }
        if not self.fresh_nonce(params.get("SignatureNonce", "")):
            return 400, {"Code": "SignatureNonceUsed", "RequestId": request_id}
        names = self.templates.get(params.get("TemplateCode", ""))
        values = json.loads(params.get("TemplateParam") or "{}")
        if params.get("SignName") != SIGN_NAME:
            return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "RequestId": request_id}
        if names is None or set(values) != set(names):
            return 200, {"Code": "isv.TEMPLATE_PARAMS_ILLEGAL", "RequestId": request_id}
        if len(params.get("PhoneNumbers", "")) != 11:
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "RequestId": request_id}
        if self.refuse:
            return 200, {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发分钟级流控Permits:1",
                "RequestId": request_id,
            }
        self.take(
            params.get("OutId", ""),
            {"phone": params["PhoneNumbers"], "template": params["TemplateCode"], **values},
        )
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": "9006197469364984",
            "RequestId": request_id,
        }


# --- Tencent Cloud: SendSms 2021-01-11, TC3-HMAC-SHA256 ------------------------------------------


def tc3_signature(
    headers: dict[str, str], signed: list[str], body: bytes, date: str, stamp: str
) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{h}:{lower.get(h, '').strip().lower()}\n" for h in signed)
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            stamp,
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_signing = sign(sign(sign(("TC3" + TENCENT_KEY).encode(), date), "sms"), "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class FakeTencent(FakeGateway):
    provider = "tencent"

    def error(self, code: str, message: str) -> tuple[int, Any]:
        return 200, {
            "Response": {
                "Error": {"Code": code, "Message": message},
                "RequestId": str(uuid.uuid4()),
            }
        }

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        if lower.get("x-tc-action") != "SendSms" or lower.get("x-tc-version") != "2021-01-11":
            return self.error("InvalidAction", "SendSms 2021-01-11 expected")
        if not lower.get("x-tc-region"):
            return self.error("MissingParameter", "X-TC-Region")
        stamp = lower.get("x-tc-timestamp", "0")
        if abs(int(stamp) - time.time()) > 300:
            return self.error("AuthFailure.SignatureExpire", "signature expired")
        authorization = lower.get("authorization", "")
        algorithm, _space, rest = authorization.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        credential = fields.get("Credential", "").split("/")
        date = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        signed = fields.get("SignedHeaders", "").split(";")
        if (
            algorithm != "TC3-HMAC-SHA256"
            or credential != [TENCENT_ID, date, "sms", "tc3_request"]
            or not {"content-type", "host"} <= set(signed)
        ):
            return self.error("AuthFailure.InvalidAuthorization", "bad Authorization")
        if fields.get("Signature") != tc3_signature(headers, signed, body, date, stamp):
            self.bad_signatures += 1
            return self.error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. "
                "Please check your signature is correct.",
            )
        payload = json.loads(body.decode("utf-8"))
        names = self.templates.get(payload.get("TemplateId", ""))
        values = payload.get("TemplateParamSet") or []
        phones = payload.get("PhoneNumberSet") or []
        if payload.get("SmsSdkAppId") != TENCENT_APP:
            return self.error("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId")
        if payload.get("SignName") != SIGN_NAME:
            return self.error("FailedOperation.SignatureIncorrectOrUnapproved", "SignName")
        if names is None or len(values) != len(names):
            return self.error(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "TemplateParamSet"
            )
        if len(phones) != 1 or not phones[0].startswith("+86") or len(phones[0]) != 14:
            return self.error("InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet")
        key = str(payload.get("SessionContext", ""))
        status = {
            "SerialNo": str(uuid.uuid4()),
            "PhoneNumber": phones[0],
            "Fee": 1,
            "SessionContext": key,
            "IsoCode": "CN",
        }
        if self.refuse:
            status.update(
                Code="LimitExceeded.PhoneNumberThirtySecondLimit",
                Message="the number of SMS messages sent from a single mobile number within "
                "30 seconds exceeds the upper limit",
                Fee=0,
            )
        else:
            self.take(
                key,
                {
                    "phone": phones[0],
                    "template": payload["TemplateId"],
                    **dict(zip(names, values, strict=True)),
                },
            )
            status.update(Code="Ok", Message="send success")
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": str(uuid.uuid4())}}


def gateway_settings(gateway: FakeGateway) -> dict[str, Any]:
    """The settings (and environment variables, by the same names) of ``gateway``'s provider."""
    common = {"SMS_PROVIDER": gateway.provider, "SMS_SIGN_NAME": SIGN_NAME}
    if gateway.provider == "aliyun":
        return {
            **common,
            "SMS_TEMPLATES": ALIYUN_TEMPLATES,
            "ALIYUN_SMS_ACCESS_KEY_ID": ALIYUN_KEY_ID,
            "ALIYUN_SMS_ACCESS_KEY_SECRET": ALIYUN_SECRET,
            "ALIYUN_SMS_ENDPOINT": gateway.url,
        }
    return {
        **common,
        "SMS_TEMPLATES": TENCENT_TEMPLATES,
        "TENCENT_SMS_SECRET_ID": TENCENT_ID,
        "TENCENT_SMS_SECRET_KEY": TENCENT_KEY,
        "TENCENT_SMS_SDK_APP_ID": TENCENT_APP,
        "TENCENT_SMS_ENDPOINT": gateway.url,
    }


def gateway_environment(gateway: FakeGateway) -> dict[str, str]:
    return {
        name: ",".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value
        for name, value in gateway_settings(gateway).items()
    }


@contextmanager
def running(provider: str) -> Iterator[FakeGateway]:
    from fairdesk.notifications.kinds import SMS_KINDS

    ids = ALIYUN_TEMPLATES if provider == "aliyun" else TENCENT_TEMPLATES
    templates = {ids[kind]: names for kind, names in SMS_KINDS.items()}
    gateway: FakeGateway = (FakeAliyun if provider == "aliyun" else FakeTencent)(templates)
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
