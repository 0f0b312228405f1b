"""Alipay and WeChat Pay as a local HTTP server, for the gateway tests.

Each fake checks what its provider documents it checks — the request's signature with the
merchant's (application's) public key, the required fields, the amounts (Alipay: yuan with two
decimals; WeChat Pay: integer fen), one payment per ``out_trade_no`` and one refund per
``out_request_no`` / ``out_refund_no`` — and answers signed as the provider does, with keys made
here (``cryptography``'s RSA). Every refused request is kept in ``refused`` (a test asserts it is
empty). ``tamper`` changes an answer after it was signed; ``settle`` carries out a WeChat Pay
deduction; the ``…_notification`` methods build the notifications the provider would post.

The algorithms are written here again from the providers' documentation, not imported from the
gateways: a mistake in one is not repeated in the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SHANGHAI = ZoneInfo("Asia/Shanghai")
YUAN_2DP = re.compile(r"^(0|[1-9]\d*)\.\d{2}$")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def pem_public(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def bare_base64_public(key: rsa.RSAPrivateKey) -> bytes:
    """The public key as Alipay's key tool shows it: Base64 of the DER, no PEM armour."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der)


def sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verified(key: rsa.RSAPublicKey, text: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class Fake:
    """What both fakes share: the refused requests and the switch that spoils answers."""

    refused: list[str] = field(default_factory=list)
    tamper: bool = False
    calls: list[str] = field(default_factory=list)

    def refuse(self, why: str) -> None:
        self.refused.append(why)


# --- Alipay --------------------------------------------------------------------------------------


@dataclass
class FakeAlipay(Fake):
    app_id: str = "2021000000000001"
    app_key: rsa.RSAPrivateKey = field(default_factory=new_key)  # the merchant's application
    alipay_key: rsa.RSAPrivateKey = field(default_factory=new_key)  # Alipay's own
    #: agreement number → "ok" (pays at once), "poor" (balance too low), "slow" (processing)
    agreements: dict[str, str] = field(default_factory=dict)
    trades: dict[str, dict[str, Any]] = field(default_factory=dict)  # by out_trade_no
    refunds: dict[tuple[str, str], int] = field(default_factory=dict)  # (trade_no, out_request_no)

    @staticmethod
    def content(params: dict[str, str], *, skip: tuple[str, ...] = ("sign",)) -> str:
        return "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] and k not in skip)

    def answer(self, api: str, result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        member = api.replace(".", "_") + "_response"
        part = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
        signature = sign(self.alipay_key, part)
        if self.tamper:
            part = part.replace('"code":"', '"code": "')  # same meaning, other bytes
        body = f'{{"{member}":{part},"sign":"{signature}"}}'
        return 200, {"Content-Type": "application/json;charset=utf-8"}, body.encode()

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any, bytes]:
        pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True)
        params = dict(pairs)
        if len(params) != len(pairs):
            self.refuse("a parameter twice")
        api = params.get("method", "")
        self.calls.append(api)
        for name, want in [("format", "JSON"), ("charset", "utf-8"), ("sign_type", "RSA2")]:
            if params.get(name) != want:
                self.refuse(f"{api}: {name}={params.get(name)!r}")
        if params.get("app_id") != self.app_id or params.get("version") != "1.0":
            self.refuse(f"{api}: app_id or version")
        try:
            sent = datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
            if abs(sent.replace(tzinfo=SHANGHAI) - datetime.now(SHANGHAI)) > timedelta(minutes=10):
                self.refuse(f"{api}: timestamp not Beijing time")
        except ValueError:
            self.refuse(f"{api}: timestamp {params.get('timestamp')!r}")
        if not verified(self.app_key.public_key(), self.content(params), params.get("sign", "")):
            self.refuse(f"{api}: request signature")
            error = {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-signature",
            }
            return 200, {}, json.dumps({"error_response": error}).encode()
        biz = json.loads(params.get("biz_content", "{}"))
        handler = {
            "alipay.trade.pay": self.pay,
            "alipay.trade.query": self.query,
            "alipay.trade.refund": self.refund,
            "alipay.trade.fastpay.refund.query": self.refund_query,
        }.get(api)
        if handler is None:
            self.refuse(f"unknown method {api}")
            return 200, {}, b"{}"
        return self.answer(api, handler(biz, params))

    def money(self, text: Any, what: str) -> int:
        if not isinstance(text, str) or not YUAN_2DP.match(text):
            self.refuse(f"{what} {text!r}: not yuan with two decimals")
            return 0
        whole, cents = text.split(".")
        return int(whole) * 100 + int(cents)

    def pay(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        out_trade_no = biz.get("out_trade_no", "")
        fen = self.money(biz.get("total_amount"), "total_amount")
        if biz.get("product_code") != "GENERAL_WITHHOLDING" or not biz.get("subject"):
            self.refuse("pay: product_code or subject")
        if not params.get("notify_url"):
            self.refuse("pay: no notify_url")
        agreement = (biz.get("agreement_params") or {}).get("agreement_no", "")
        if not out_trade_no or len(out_trade_no) > 64 or fen <= 0:
            self.refuse("pay: out_trade_no or amount")
        trade = self.trades.get(out_trade_no)
        if trade and trade["status"] == "TRADE_SUCCESS":
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_SUCCESS"}
        kind = self.agreements.get(agreement)
        if kind is None:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.AGREEMENT_NOT_EXIST",
            }
        if kind == "poor":
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.BUYER_BALANCE_NOT_ENOUGH",
                "sub_msg": "买家余额不足",
            }
        trade_no = f"2026{len(self.trades) + 1:024d}"
        status = "TRADE_SUCCESS" if kind == "ok" else "WAIT_BUYER_PAY"
        self.trades[out_trade_no] = {"trade_no": trade_no, "fen": fen, "status": status}
        result = {
            "code": "10000" if kind == "ok" else "10003",
            "msg": "Success",
            "trade_no": trade_no,
            "out_trade_no": out_trade_no,
            "total_amount": biz["total_amount"],
        }
        return result

    def query(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "out_trade_no": biz["out_trade_no"],
            "trade_status": trade["status"],
            "total_amount": f"{trade['fen'] // 100}.{trade['fen'] % 100:02d}",
        }

    def trade_by_no(self, trade_no: str) -> tuple[str, dict[str, Any]] | None:
        for out_trade_no, trade in self.trades.items():
            if trade["trade_no"] == trade_no:
                return out_trade_no, trade
        return None

    def refund(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        found = self.trade_by_no(biz.get("trade_no", ""))
        fen = self.money(biz.get("refund_amount"), "refund_amount")
        request_no = biz.get("out_request_no", "")
        if found is None or not request_no:
            self.refuse("refund: trade_no or out_request_no")
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
        _out, trade = found
        key = (trade["trade_no"], request_no)
        if key in self.refunds:  # the same request again: no new movement of money
            if self.refunds[key] != fen:
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.AMOUNT_DIFF"}
            return {
                "code": "10000",
                "msg": "Success",
                "trade_no": trade["trade_no"],
                "fund_change": "N",
            }
        done = sum(v for (t, _r), v in self.refunds.items() if t == trade["trade_no"])
        if done + fen > trade["fen"]:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
            }
        self.refunds[key] = fen
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "fund_change": "Y",
        }

    def refund_query(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        fen = self.refunds.get((biz.get("trade_no", ""), biz.get("out_request_no", "")))
        if fen is None:
            return {"code": "10000", "msg": "Success"}
        return {
            "code": "10000",
            "msg": "Success",
            "refund_status": "REFUND_SUCCESS",
            "refund_amount": f"{fen // 100}.{fen % 100:02d}",
        }

    def complete(self, out_trade_no: str) -> None:
        self.trades[out_trade_no]["status"] = "TRADE_SUCCESS"

    def notification(self, out_trade_no: str, **changes: str) -> dict[str, str]:
        """The trade_status_sync Alipay posts, signed (``changes`` after signing: tampered)."""
        trade = self.trades[out_trade_no]
        params = {
            "notify_time": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": self.app_id,
            "charset": "utf-8",
            "version": "1.0",
            "trade_no": trade["trade_no"],
            "out_trade_no": out_trade_no,
            "trade_status": trade["status"],
            "total_amount": f"{trade['fen'] // 100}.{trade['fen'] % 100:02d}",
            "subject": "服务套餐",
        }
        params["sign"] = sign(self.alipay_key, self.content(params, skip=("sign", "sign_type")))
        params["sign_type"] = "RSA2"
        params.update(changes)
        return params


# --- WeChat Pay ----------------------------------------------------------------------------------


@dataclass
class FakeWeChatPay(Fake):
    mch_id: str = "1900000109"
    app_id: str = "wxd678efh567hg6787"
    serial: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"  # the merchant's API certificate
    public_key_id: str = "PUB_KEY_ID_0119000001092026000000000001"
    v2_key: str = "fairdesktestapiv2key0123456789ab"
    v3_key: str = "fairdesktestapiv3key0123456789ab"
    merchant_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    platform_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    contracts: set[str] = field(default_factory=set)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # by out_trade_no
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # by out_refund_no
    answer_age: int = 0  # seconds the answers' timestamps lie in the past

    # API v2
    def v2_sign(self, params: dict[str, str], kind: str = "HMAC-SHA256") -> str:
        text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] and k != "sign")
        text += "&key=" + self.v2_key
        if kind == "MD5":
            return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()
        return hmac.new(self.v2_key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()

    @staticmethod
    def xml(params: dict[str, str]) -> bytes:
        inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in params.items())
        return f"<xml>{inner}</xml>".encode()

    def v2_answer(self, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        params = {
            "return_code": "SUCCESS",
            "return_msg": "OK",
            "appid": self.app_id,
            "mch_id": self.mch_id,
            "nonce_str": secrets.token_hex(8),
            **fields,
        }
        params["sign"] = self.v2_sign(params)
        if self.tamper:
            params["result_code"] = "SUCCESS" if params.get("result_code") == "FAIL" else "FAIL"
        return 200, {"Content-Type": "text/xml"}, self.xml(params)

    def handle_v2(self, path: str, body: bytes) -> tuple[int, Any, bytes]:
        params = {child.tag: child.text or "" for child in ET.fromstring(body)}
        if params.get("sign_type") != "HMAC-SHA256" or params.get("sign") != self.v2_sign(params):
            self.refuse(f"{path}: v2 signature")
            fail = {"return_code": "FAIL", "return_msg": "签名错误"}
            return 200, {}, self.xml(fail)
        if params.get("appid") != self.app_id or params.get("mch_id") != self.mch_id:
            self.refuse(f"{path}: appid or mch_id")
        if not params.get("nonce_str"):
            self.refuse(f"{path}: nonce_str")
        if path == "/pay/pappayapply":
            return self.pap_apply(params)
        return self.pap_query(params)

    def pap_apply(self, params: dict[str, str]) -> tuple[int, Any, bytes]:
        for name in ["body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url"]:
            if not params.get(name):
                self.refuse(f"pappayapply: {name} missing")
        fee = params.get("total_fee", "")
        if not fee.isdigit() or int(fee) <= 0:
            self.refuse(f"pappayapply: total_fee {fee!r} is not fen")
        if params.get("trade_type") != "PAP" or params.get("fee_type", "CNY") != "CNY":
            self.refuse("pappayapply: trade_type or fee_type")
        out_trade_no = params.get("out_trade_no", "")
        order = self.orders.get(out_trade_no)
        if order and order["state"] == "SUCCESS":
            return self.v2_answer({"result_code": "FAIL", "err_code": "ORDERPAID"})
        if params.get("contract_id") not in self.contracts:
            return self.v2_answer(
                {
                    "result_code": "FAIL",
                    "err_code": "CONTRACT_NOT_EXIST",
                    "err_code_des": "签约协议不存在",
                }
            )
        if order is None:
            self.orders[out_trade_no] = {
                "transaction_id": f"42000{len(self.orders) + 1:023d}",
                "total_fee": int(fee),
                "state": "ACCEPT",
            }
        return self.v2_answer({"result_code": "SUCCESS"})

    def pap_query(self, params: dict[str, str]) -> tuple[int, Any, bytes]:
        found = None
        for out_trade_no, order in self.orders.items():
            if params.get("out_trade_no") == out_trade_no or (
                params.get("transaction_id") == order["transaction_id"]
            ):
                found = out_trade_no, order
        if found is None:
            return self.v2_answer({"result_code": "FAIL", "err_code": "ORDERNOTEXIST"})
        out_trade_no, order = found
        return self.v2_answer(
            {
                "result_code": "SUCCESS",
                "out_trade_no": out_trade_no,
                "transaction_id": order["transaction_id"],
                "trade_state": order["state"],
                "total_fee": str(order["total_fee"]),
            }
        )

    def settle(self, out_trade_no: str, *, paid: bool = True) -> None:
        self.orders[out_trade_no]["state"] = "SUCCESS" if paid else "PAY_FAIL"

    def papay_notification(self, out_trade_no: str, **changes: str) -> bytes:
        order = self.orders[out_trade_no]
        params = {
            "return_code": "SUCCESS",
            "appid": self.app_id,
            "mch_id": self.mch_id,
            "nonce_str": secrets.token_hex(8),
            "result_code": "SUCCESS" if order["state"] == "SUCCESS" else "FAIL",
            "trade_state": order["state"],
            "out_trade_no": out_trade_no,
            "transaction_id": order["transaction_id"],
            "total_fee": str(order["total_fee"]),
            "trade_type": "PAP",
            "contract_id": next(iter(self.contracts), ""),
            "sign_type": "HMAC-SHA256",
        }
        if order["state"] != "SUCCESS":
            params.update(err_code="NOTENOUGH", err_code_des="余额不足")
        params["sign"] = self.v2_sign(params)
        params.update(changes)
        return self.xml(params)

    # API v3
    def v3_headers(self, body: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time()) - self.answer_age), secrets.token_hex(16)
        return {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sign(self.platform_key, f"{timestamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": self.public_key_id,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def v3_answer(self, status: int, document: dict[str, Any]) -> tuple[int, Any, bytes]:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        headers = self.v3_headers(body)
        if self.tamper:
            body = body.replace("PROCESSING", "SUCCESS")
        return status, headers, body.encode()

    def check_authorization(self, method: str, path: str, headers: Any, body: str) -> bool:
        value = headers.get("Authorization", "")
        scheme, _sep, rest = value.partition(" ")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if scheme != "WECHATPAY2-SHA256-RSA2048":
            return False
        if fields.get("mchid") != self.mch_id or fields.get("serial_no") != self.serial:
            return False
        if abs(time.time() - int(fields.get("timestamp", "0"))) > 300:
            return False
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields.get('nonce_str')}\n{body}\n"
        return verified(self.merchant_key.public_key(), message, fields.get("signature", ""))

    def refund_document(self, out_refund_no: str) -> dict[str, Any]:
        refund = self.refunds[out_refund_no]
        return {
            "refund_id": refund["refund_id"],
            "out_refund_no": out_refund_no,
            "transaction_id": refund["transaction_id"],
            "status": refund["status"],
            "amount": {"refund": refund["fen"], "total": refund["total"], "currency": "CNY"},
        }

    def handle_v3(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, bytes]:
        text = body.decode()
        if not self.check_authorization(method, path, headers, text):
            self.refuse(f"{method} {path}: Authorization")
            return 401, {"Content-Type": "application/json"}, b'{"code":"SIGN_ERROR","message":"x"}'
        prefix = "/v3/refund/domestic/refunds"
        if method == "GET" and path.startswith(prefix + "/"):
            out_refund_no = urllib.parse.unquote(path[len(prefix) + 1 :])
            if out_refund_no not in self.refunds:
                return self.v3_answer(
                    404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
                )
            return self.v3_answer(200, self.refund_document(out_refund_no))
        if method == "POST" and path == prefix:
            return self.create_refund(json.loads(text))
        self.refuse(f"{method} {path}: unknown")
        return 404, {}, b"{}"

    def create_refund(self, request: dict[str, Any]) -> tuple[int, Any, bytes]:
        amount = request.get("amount") or {}
        order = next(
            (
                o
                for o in self.orders.values()
                if o["transaction_id"] == request.get("transaction_id")
            ),
            None,
        )
        out_refund_no = request.get("out_refund_no", "")
        refund, total = amount.get("refund"), amount.get("total")
        if not isinstance(refund, int) or not isinstance(total, int) or refund <= 0:
            self.refuse(f"refund: amounts {amount!r} are not fen")
        if amount.get("currency") != "CNY" or not request.get("notify_url") or not out_refund_no:
            self.refuse("refund: currency, notify_url or out_refund_no")
        if order is None or order["state"] != "SUCCESS" or total != order["total_fee"]:
            self.refuse("refund: no paid order of that total")
            return self.v3_answer(400, {"code": "PARAM_ERROR", "message": "订单金额不符"})
        if out_refund_no in self.refunds:  # the same out_refund_no: the same refund
            return self.v3_answer(200, self.refund_document(out_refund_no))
        done = sum(
            r["fen"]
            for r in self.refunds.values()
            if r["transaction_id"] == order["transaction_id"]
        )
        if done + refund > total:
            return self.v3_answer(
                403, {"code": "INVALID_REQUEST", "message": "退款金额超过订单金额"}
            )
        self.refunds[out_refund_no] = {
            "refund_id": f"50300{len(self.refunds) + 1:027d}",
            "transaction_id": order["transaction_id"],
            "fen": refund,
            "total": total,
            "status": "PROCESSING",
        }
        return self.v3_answer(200, self.refund_document(out_refund_no))

    def refund_notification(
        self, out_refund_no: str, *, status: str = "SUCCESS", key: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The REFUND.* notification WeChat Pay posts: the resource encrypted with the API v3
        key (or ``key``), the whole signed with the platform key."""
        self.refunds[out_refund_no]["status"] = status
        resource = {
            "mchid": self.mch_id,
            "out_trade_no": "",
            "transaction_id": self.refunds[out_refund_no]["transaction_id"],
            "out_refund_no": out_refund_no,
            "refund_id": self.refunds[out_refund_no]["refund_id"],
            "refund_status": status,
            "amount": {
                "refund": self.refunds[out_refund_no]["fen"],
                "total": self.refunds[out_refund_no]["total"],
            },
        }
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM((key or self.v3_key).encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), b"refund"
        )
        document = {
            "id": secrets.token_hex(18),
            "create_time": datetime.now(SHANGHAI).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": "REFUND.SUCCESS" if status == "SUCCESS" else f"REFUND.{status}",
            "summary": "退款成功",
            "resource": {
                "original_type": "refund",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "refund",
                "nonce": nonce,
            },
        }
        body = json.dumps(document, separators=(",", ":"))
        return self.v3_headers(body), body.encode()

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any, bytes]:
        self.calls.append(f"{method} {path.split('?')[0]}")
        if path.startswith("/v3/"):
            return self.handle_v3(method, path, headers, body)
        return self.handle_v2(path, body)


class ProviderServer:
    """A local HTTP server in a thread, answering with ``fake.handle``."""

    def __init__(self, fake: Any) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, answer = owner.fake.handle(
                    self.command, self.path, self.headers, body
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = reply

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)
