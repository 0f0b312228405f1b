"""HTTPS mode (issue 24 item 7): one variable, ``FAIRDESK_HTTPS=1``, turns on secure cookies,
HSTS, the redirect to HTTPS and the proxy's headers; ``check --deploy`` has nothing to say about
the documented production settings (docs/deploy.md). Settings are read from the environment at
start-up, so each case runs in a fresh process with its environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fairdesk.site.tests.production import production

#: The production environment of docs/deploy.md ("Environment"). The data folder is a throwaway
#: one, which the child process is told is not temporary (its own TMPDIR is elsewhere): a data
#: folder in the temporary folder is itself a missing piece (fairdesk.W005).
PRODUCTION = {
    "FAIRDESK_HTTPS": "1",
    "PUBLIC_URL": "https://service.example.com",
    "ALLOWED_HOSTS": "service.example.com",
    "DATABASE_URL": "postgres://fairdesk:secret@127.0.0.1:5432/fairdesk",  # not connected to
}


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "FAIRDESK_HTTPS",
            "PUBLIC_URL",
            "ALLOWED_HOSTS",
            "CSRF_TRUSTED_ORIGINS",
            "DEBUG",
            "SECRET_KEY",
            "TRUSTED_PROXY_HOPS",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "HUEY_IMMEDIATE",
        }
    }
    env["FAIRDESK_DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp_path / "tmp")
    env["FAIRDESK_PLAIN_STATIC"] = "1"  # no collectstatic in a throwaway data folder
    env.update(extra)
    return env


def fairdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warning_with_the_documented_production_settings(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path, **{**PRODUCTION, **production(tmp_path / "keys")})
    done = fairdesk(env, "manage", "check", "--deploy", "--fail-level", "DEBUG")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr


def test_without_https_mode_check_deploy_names_what_is_missing(tmp_path: Path) -> None:
    done = fairdesk(environment(tmp_path), "manage", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    for warning in (
        "security.W004",
        "security.W008",
        "security.W012",
        "security.W016",
        "fairdesk.W001",
        "fairdesk.W002",
    ):
        assert warning in done.stderr + done.stdout, warning


PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client

client = Client()
answers = {}
plain = client.get("/coverage/", HTTP_HOST="service.example.com")
answers["plain"] = [plain.status_code, plain.get("Location", "")]
health = client.get("/healthz", HTTP_HOST="service.example.com")
answers["healthz"] = health.status_code
login = client.get(
    "/staff/login/", HTTP_HOST="service.example.com", HTTP_X_FORWARDED_PROTO="https"
)
answers["login"] = login.status_code
answers["hsts"] = login.get("Strict-Transport-Security", "")
answers["csp"] = login.get("Content-Security-Policy", "")
answers["csrf_cookie_secure"] = bool(login.cookies["csrftoken"]["secure"])
answers["settings"] = {
    name: getattr(settings, name)
    for name in (
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS",
        "TRUSTED_PROXY_HOPS", "ALLOWED_HOSTS",
    )
}
print(json.dumps(answers))
"""


def probe(env: dict[str, str]) -> dict[str, object]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "fairdesk.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_one_variable_turns_https_mode_on(tmp_path: Path) -> None:
    web = {key: value for key, value in PRODUCTION.items() if key != "DATABASE_URL"}
    answers = probe(environment(tmp_path, **web))  # SQLite in the data folder
    settings = answers["settings"]
    assert isinstance(settings, dict)
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["LANGUAGE_COOKIE_SECURE"] and settings["SECURE_SSL_REDIRECT"]
    assert settings["SECURE_HSTS_SECONDS"] == 31536000
    assert not settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and not settings["SECURE_HSTS_PRELOAD"]
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://service.example.com"]
    assert settings["TRUSTED_PROXY_HOPS"] == 1
    # plain HTTP is sent to HTTPS, but the proxy's health check is answered as it is
    assert answers["plain"] == [301, "https://service.example.com/coverage/"]
    assert answers["healthz"] in (200, 503)
    # through the proxy: HSTS for a year, no subdomains or preload; the cookies are Secure
    assert answers["login"] == 200
    assert answers["hsts"] == "max-age=31536000"
    assert answers["csrf_cookie_secure"] is True
    assert "upgrade-insecure-requests" in str(answers["csp"])


def test_without_https_mode_no_header_from_a_client_is_believed(tmp_path: Path) -> None:
    """The demo's plain HTTP: no redirect, no HSTS, no Secure cookie, and X-Forwarded-Proto
    from a client changes nothing."""
    answers = probe(environment(tmp_path, ALLOWED_HOSTS="service.example.com"))
    settings = answers["settings"]
    assert isinstance(settings, dict)
    assert not settings["SESSION_COOKIE_SECURE"] and not settings["SECURE_SSL_REDIRECT"]
    assert settings["SECURE_PROXY_SSL_HEADER"] is None and settings["TRUSTED_PROXY_HOPS"] == 0
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert answers["plain"] == [200, ""]
    assert answers["login"] == 200 and answers["hsts"] == ""
    assert answers["csrf_cookie_secure"] is False
    assert "upgrade-insecure-requests" not in str(answers["csp"])
