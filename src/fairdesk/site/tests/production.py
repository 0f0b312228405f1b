"""The production environment of docs/deploy.md, for the tests that start fairdesk as a real
install would: HTTPS mode, the public address and host, an SMS gateway (Tencent Cloud, with a
template for every kind of text message) and a payment gateway (Alipay, with key files made
here). Nothing is connected to: the checks only read the configuration and the key files."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fairdesk.notifications.kinds import SMS_KINDS

BASE = {
    "FAIRDESK_HTTPS": "1",
    "PUBLIC_URL": "https://service.example.com",
    "ALLOWED_HOSTS": "service.example.com",
}


def production(folder: Path) -> dict[str, str]:
    """``BASE`` with the SMS and payment variables; Alipay's key files are written to
    ``folder`` (readable by the owner only, as docs/deploy.md says)."""
    folder.mkdir(parents=True, exist_ok=True)
    ours, theirs = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in "ab")
    private = folder / "alipay-app-private.pem"
    private.write_bytes(
        ours.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = folder / "alipay-public.pem"
    public.write_bytes(
        theirs.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    for path in (private, public):
        path.chmod(0o600)
    templates = ",".join(f"{kind}={1_000_000 + i}" for i, kind in enumerate(SMS_KINDS))
    return {
        **BASE,
        "SMS_PROVIDER": "tencent",
        "SMS_SIGN_NAME": "公平服务",
        "SMS_TEMPLATES": templates,
        "TENCENT_SMS_SECRET_ID": "AKID-production-test",
        "TENCENT_SMS_SECRET_KEY": "production-test-key",
        "TENCENT_SMS_SDK_APP_ID": "1400000001",
        "PAYMENT_GATEWAY": "alipay",
        "ALIPAY_APP_ID": "2021000000000001",
        "ALIPAY_APP_PRIVATE_KEY_PATH": str(private),
        "ALIPAY_PUBLIC_KEY_PATH": str(public),
    }
