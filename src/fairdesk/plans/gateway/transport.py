"""What the real gateways share: their keys, RSA signatures with SHA-256, and one HTTP call.

Keys are read from files named by settings (``…_PATH``), in the forms the providers hand out: PEM
(``-----BEGIN PRIVATE KEY-----``, ``RSA PRIVATE KEY``, ``PUBLIC KEY``, ``CERTIFICATE``) or the
bare Base64 that Alipay's key tool writes. Every key is RSA of at least 2048 bits.

The HTTP call is the standard library's (``urllib``): one request, a timeout, the answer's status,
headers and body (at most 1 MiB) whatever the status; a network failure raises
``GatewayUnreachable`` (the caller treats the outcome as unknown, never as a refusal).
"""

from __future__ import annotations

import base64
import binascii
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fairdesk.plans.gateway import GatewayNotConfigured

MAX_ANSWER_BYTES = 1024 * 1024
MIN_RSA_BITS = 2048


class GatewayUnreachable(Exception):
    """The provider could not be reached or did not answer in time: the outcome is unknown."""


def read_setting_file(path: str, setting: str) -> bytes:
    if not path:
        raise GatewayNotConfigured(f"{setting} is not set")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise GatewayNotConfigured(f"{setting}: cannot read {path}: {exc.strerror}") from exc


def _bare_base64(data: bytes, setting: str) -> bytes:
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise GatewayNotConfigured(f"{setting}: neither PEM nor Base64") from exc


def _check_rsa(key: object, setting: str) -> None:
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        raise GatewayNotConfigured(f"{setting}: not an RSA key")
    if key.key_size < MIN_RSA_BITS:
        raise GatewayNotConfigured(f"{setting}: RSA key of {key.key_size} bits (at least 2048)")


def load_private_key(path: str, setting: str) -> rsa.RSAPrivateKey:
    """The merchant's (application's) private key, PEM or bare Base64 (PKCS#8 or PKCS#1)."""
    data = read_setting_file(path, setting)
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(_bare_base64(data, setting), password=None)
    except (ValueError, TypeError) as exc:
        raise GatewayNotConfigured(f"{setting}: not a private key without a password") from exc
    _check_rsa(key, setting)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def load_public_keys(path: str, setting: str) -> dict[str, rsa.RSAPublicKey]:
    """The provider's public key(s): a PEM public key, PEM certificates (a bundle), or a bare
    Base64 public key. Keyed by certificate serial number (upper-case hex) for certificates, by
    "" for a bare key."""
    data = read_setting_file(path, setting)
    keys: dict[str, rsa.RSAPublicKey] = {}
    try:
        if b"-----BEGIN CERTIFICATE" in data:
            for cert in x509.load_pem_x509_certificates(data):
                key = cert.public_key()
                _check_rsa(key, setting)
                assert isinstance(key, rsa.RSAPublicKey)
                keys[format(cert.serial_number, "X")] = key
            return keys
        if b"-----BEGIN" in data:
            public = serialization.load_pem_public_key(data)
        else:
            public = serialization.load_der_public_key(_bare_base64(data, setting))
    except (ValueError, TypeError) as exc:
        raise GatewayNotConfigured(f"{setting}: not a public key or certificate") from exc
    _check_rsa(public, setting)
    assert isinstance(public, rsa.RSAPublicKey)
    keys[""] = public
    return keys


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """RSASSA-PKCS1-v1_5 with SHA-256, Base64 (Alipay's RSA2, WeChat Pay's SHA256-RSA2048)."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        """A header's value ("" when absent), whatever the case of its name."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return ""


def http_call(
    method: str, url: str, *, body: bytes | None, headers: Mapping[str, str], timeout: float
) -> Answer:
    """One HTTP request; the answer whatever its status. ``GatewayUnreachable`` when none came."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.read(MAX_ANSWER_BYTES), dict(response.headers))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.read(MAX_ANSWER_BYTES), dict(exc.headers or {}))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GatewayUnreachable(f"{method} {url}: {exc}") from exc
