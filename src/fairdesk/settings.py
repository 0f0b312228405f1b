"""One env-driven settings module (healthchecks' habit).

Every value comes from the environment with a safe default. Nothing here reads a setting at import
time of another module; code reads ``django.conf.settings`` at call time.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_map(name: str) -> dict[str, str]:
    """``"a=1, b=2"`` → ``{"a": "1", "b": "2"}`` (empty: {})."""
    result: dict[str, str] = {}
    for item in env_list(name, []):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{name} must be a list of name=value, got {item!r}")
        result[key.strip()] = value.strip()
    return result


def env_secret(name: str, data_dir: Path) -> str:
    """The secret from the environment, else one generated once and kept in the data folder."""
    value = os.environ.get(name)
    if value:
        return value
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("FAIRDESK_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_secret("SECRET_KEY", DATA_DIR)
DEBUG = env_bool("DEBUG", False)
# The demo (`fairdesk demo` sets it): demo data, the demo's logins, and the outbox page showing
# the text of every message, sign-in codes included, since no SMS gateway delivers them. Never on
# a real install.
DEMO = env_bool("FAIRDESK_DEMO", False)

# The address customers reach fairdesk at, for links in SMS and e-mail (renewal reminders carry a
# direct link to change or cancel); its origin is trusted for CSRF and its host name is answered.
PUBLIC_URL = env_str("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
_public = urlsplit(PUBLIC_URL)
PUBLIC_ORIGIN = f"{_public.scheme}://{_public.netloc}" if _public.scheme and _public.netloc else ""
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    list(dict.fromkeys(["localhost", "127.0.0.1", "[::1]", *filter(None, [_public.hostname])])),
)
CSRF_TRUSTED_ORIGINS = list(
    dict.fromkeys([*env_list("CSRF_TRUSTED_ORIGINS", []), *filter(None, [PUBLIC_ORIGIN])])
)

# The brand customers meet on the home page, in the header and on the error pages: its name and
# its service hotline (as customers dial it, e.g. "400-820-0000"; empty: no number is shown). The
# demo has a made-up brand and a made-up number, marked as such.
BRAND_NAME = env_str("BRAND_NAME", "fairdesk 演示品牌" if DEMO else "fairdesk").strip()
BRAND_HOTLINE = env_str("BRAND_HOTLINE", "400-000-0000" if DEMO else "").strip()

# HTTPS mode (docs/deploy.md): fairdesk behind a TLS reverse proxy (nginx) that sets
# X-Forwarded-Proto and appends the client to X-Forwarded-For. On: secure cookies, HSTS, HTTP
# redirected to HTTPS (but /healthz, for the proxy's own checks), the scheme and the client's
# address taken from the proxy's headers. Off (the demo, plain HTTP on a laptop): none of these,
# and no header from a client is believed.
HTTPS = env_bool("FAIRDESK_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# A year of HSTS by default (lower it, e.g. to 3600, for a first try); subdomains and the
# browsers' preload list only when asked: a brand's other host names may not all speak HTTPS,
# and leaving the preload list takes months.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# `check --deploy` warns about those two defaults (security.W005, W021): they are decisions
# (above), so their warnings are silenced while the choice stands, never the other checks.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not from a CDN
    "huey.contrib.djhuey",
    "fairdesk.core",
    "fairdesk.api",
    "fairdesk.areas",
    "fairdesk.network",
    "fairdesk.customers",
    "fairdesk.notifications",
    "fairdesk.service_requests",
    "fairdesk.plans",
    "fairdesk.contact",
    "fairdesk.portal",
    "fairdesk.console",
    "fairdesk.site",
    "axes",  # the staff password lock (fairdesk.customers.staff_sign_in)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fairdesk.core.middleware.PageMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fairdesk.core.middleware.LocaleMiddleware",
    # every request's text and size, checked before any view; API errors in the API's shape
    "fairdesk.core.middleware.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last: turns a locked-out sign-in into the page that says so (django-axes)
    "axes.middleware.AxesMiddleware",
]

# Staff sign in with a password; django-axes refuses it while the account or the address is
# locked (fairdesk.customers.staff_sign_in). Customers sign in with a code (customers.services).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "fairdesk.urls"
WSGI_APPLICATION = "fairdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fairdesk.core.context_processors.brand",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded SQLite file in the data folder.
SQLITE_PATH = DATA_DIR / "fairdesk.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Django's and psycopg's documented options: parameters sent apart from the SQL
    # (server-side binding), and a statement a connection has run five times is prepared, so
    # PostgreSQL skips parsing and planning it and psycopg skips quoting the values into the
    # SQL. About 15 % of a request creation's web CPU (docs/adr/0001). Turn off behind a pooler
    # that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL for concurrent readers, a busy timeout instead of "database is locked", and
    # BEGIN IMMEDIATE so that a write transaction takes the lock up front (no upgrade deadlocks).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # project-wide assets (site.css); apps ship their own
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG or env_bool("FAIRDESK_PLAIN_STATIC", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Staff sign in on their own page and land on the console (or on the page `next` names, when it
# is on this site); the admin is for those who may use it and ask for it
# (customers.views.StaffLoginView). Customers sign in with a code at /login/.
LOGIN_URL = "customers:staff_login"
LOGIN_REDIRECT_URL = "console:home"

# Background work: Huey. SQLite storage in the data folder by default; Redis when REDIS_URL is set.
_redis_url = env_str("REDIS_URL")
_huey_connection = (
    {"url": _redis_url} if _redis_url else {"filename": str(DATA_DIR / "huey.sqlite3")}
)
HUEY = {
    "huey_class": "huey.RedisHuey" if _redis_url else "huey.SqliteHuey",
    "name": "fairdesk",
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    "connection": _huey_connection,
    # Redis storage hands a new task over at once (BRPOP); the SQLite storage is polled, and an
    # idle consumer backs off to ``max_delay`` between polls: 1 s, not Huey's 10 s, so that a
    # sign-in code queued after a quiet minute still goes out within about a second.
    "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread", "max_delay": 1.0},
}

# Reverse proxies in front of fairdesk that append to X-Forwarded-For (nginx: 1). 0: REMOTE_ADDR
# is the client (the per-IP sign-in limits count it). In HTTPS mode fairdesk is behind one
# proxy unless told otherwise.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1 if HTTPS else 0)

# The staff password lock (django-axes; fairdesk.customers.staff_sign_in): this many wrong
# passwords within the lock time lock a user name, or an address, for the lock time.
AXES_HANDLER = "fairdesk.customers.staff_sign_in.StaffSignInHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("STAFF_LOGIN_LOCK_FAILURES", 10)
STAFF_LOGIN_LOCK_FAILURES_PER_IP = env_int("STAFF_LOGIN_LOCK_FAILURES_PER_IP", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STAFF_LOGIN_LOCK_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "fairdesk.core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "fairdesk.customers.staff_sign_in.lockout_response"
AXES_VERBOSE = False  # no banner at every start; failures and locks are still logged (warnings)

# SLA escalation: level 2 (to the brand's administrators) once a clock is this many hours overdue.
SLA_ESCALATION_LEVEL2_HOURS = env_int("SLA_ESCALATION_LEVEL2_HOURS", 4)

# How long an API Idempotency-Key is remembered (a retry within it returns the first request).
IDEMPOTENCY_KEY_DAYS = env_int("IDEMPOTENCY_KEY_DAYS", 30)

# A request the customer neither closes nor reopens is closed this many days after resolution.
AUTO_CLOSE_RESOLVED_DAYS = env_int("AUTO_CLOSE_RESOLVED_DAYS", 7)

# The contact centre's staffed hours for callbacks (docs/contact.md): callbacks are offered and
# booked only within them. One or more intervals, every day, Beijing time ("08:30-18:00",
# "08:30-12:00,13:00-18:00"); the days it is closed (holidays), ISO dates ("2027-01-01,…"); the
# length of the windows the portal offers, in minutes. `fairdesk manage check` reports bad values.
CONTACT_CALLBACK_HOURS = env_str("CONTACT_CALLBACK_HOURS", "08:30-18:00")
CONTACT_CALLBACK_CLOSED_DAYS = env_list("CONTACT_CALLBACK_CLOSED_DAYS", [])
CONTACT_CALLBACK_WINDOW_MINUTES = env_int("CONTACT_CALLBACK_WINDOW_MINUTES", 60)

# The link in a request's confirmation (SMS and portal) that shows its progress without signing
# in (service_requests.tracking): valid for this many days after it was sent.
REQUEST_TRACKING_LINK_DAYS = env_int("REQUEST_TRACKING_LINK_DAYS", 30)

# One handler, on the root logger: every logger propagates to it, so each record is written once.
# Huey's ``run_huey`` adds a handler of its own to the "huey" logger when that logger has none
# (and the record then went out twice, through it and through the root's): it gets the root's
# handler here and does not propagate. Logs carry no message text, code, token or full phone
# number (docs/notifications.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "[%(asctime)s] %(levelname)s %(name)s %(process)d: %(message)s"}
    },
    # a refusal (a 4xx Django answered to an exception: PermissionDenied, a suspicious host …)
    # is one line at WARNING, without the traceback Django attaches (core/logfilters.py)
    "filters": {"refusals": {"()": "fairdesk.core.logfilters.RefusalsInOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "huey": {"handlers": ["console"], "propagate": False},
        # httpx logs every request at INFO (a line per text message): only its warnings
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # django-axes: each failed staff sign-in and each lock is a warning; its per-attempt
        # housekeeping is not worth a line
        "axes": {"level": "WARNING"},
    },
}

# A form refused by the CSRF check gets the site's 403 page, in the visitor's language
CSRF_FAILURE_VIEW = "fairdesk.site.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy on every page (django-csp): scripts and styles from our own static
# files only — no inline <script>, style="" or event handler attribute anywhere, no eval; images
# also as data: URLs (the API docs' Swagger UI draws its icons so). A page that needs more says
# so with django-csp's decorators, never by loosening this.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": HTTPS,
    },
}

# Text messages (docs/notifications.md). SMS_PROVIDER picks the gateway: "aliyun" (Alibaba Cloud
# SMS, dysmsapi SendSms) or "tencent" (Tencent Cloud SMS, SendSms 2021-01-11); empty: none, the
# outbox keeps them (the demo). Providers in China send approved templates, not free text:
# SMS_TEMPLATES maps each kind of text message to its template ("login_code=SMS_1,…").
SMS_PROVIDER = env_str("SMS_PROVIDER").strip().lower()
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME").strip()
SMS_TEMPLATES = env_map("SMS_TEMPLATES")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID").strip()
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET").strip()
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com").rstrip("/")
ALIYUN_SMS_REGION = env_str("ALIYUN_SMS_REGION", "cn-hangzhou").strip()
TENCENT_SMS_SECRET_ID = env_str("TENCENT_SMS_SECRET_ID").strip()
TENCENT_SMS_SECRET_KEY = env_str("TENCENT_SMS_SECRET_KEY").strip()
TENCENT_SMS_SDK_APP_ID = env_str("TENCENT_SMS_SDK_APP_ID").strip()
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou").strip()
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com").rstrip(
    "/"
)
# Run without any SMS gateway on purpose (no sign-in code reaches a customer): `fairdesk serve`
# refuses to start without a gateway unless this (or `--without-sms`) says so.
WITHOUT_SMS = env_bool("FAIRDESK_WITHOUT_SMS", False)

# Service plans: the payment gateway (docs/plans.md, Payments): "alipay", "wechatpay", "local"
# (the labelled demo gateway, which moves no real money: the default in the demo only) or a dotted
# path to a class with charge() and refund(). Unset outside the demo: no gateway, nothing is
# charged, and `fairdesk manage check --deploy` says so.
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "local" if DEMO else "").strip()
# What a customer's statement shows for a charge (Alipay's subject, WeChat Pay's body).
PAYMENT_SUBJECT = env_str("PAYMENT_SUBJECT", "服务套餐").strip()
PAYMENT_TIMEOUT_SECONDS = env_int("PAYMENT_TIMEOUT_SECONDS", 10)
# Alipay (open platform, RSA2 public-key mode): the application's id and private key, Alipay's
# public key (files), the gateway and the address Alipay posts its notifications to.
ALIPAY_APP_ID = env_str("ALIPAY_APP_ID").strip()
ALIPAY_APP_PRIVATE_KEY_PATH = env_str("ALIPAY_APP_PRIVATE_KEY_PATH").strip()
ALIPAY_PUBLIC_KEY_PATH = env_str("ALIPAY_PUBLIC_KEY_PATH").strip()
ALIPAY_GATEWAY_URL = env_str("ALIPAY_GATEWAY_URL", "https://openapi.alipay.com/gateway.do").strip()
ALIPAY_NOTIFY_URL = env_str("ALIPAY_NOTIFY_URL", f"{PUBLIC_URL}/payments/notify/alipay/").strip()
# WeChat Pay (direct merchant): merchant id, the app id the contracts were signed in, the
# merchant's API private key (file) and its certificate's serial number, the API v3 key (32
# characters; decrypts notifications) and the API v2 key (the deduction calls), WeChat Pay's
# public key (file) with its id, or its platform certificate(s) (file), the API address, the
# addresses of the two notifications, and this server's public IP (spbill_create_ip).
WECHATPAY_MCH_ID = env_str("WECHATPAY_MCH_ID").strip()
WECHATPAY_APP_ID = env_str("WECHATPAY_APP_ID").strip()
WECHATPAY_MCH_PRIVATE_KEY_PATH = env_str("WECHATPAY_MCH_PRIVATE_KEY_PATH").strip()
WECHATPAY_MCH_CERT_SERIAL = env_str("WECHATPAY_MCH_CERT_SERIAL").strip()
WECHATPAY_APIV3_KEY = env_str("WECHATPAY_APIV3_KEY").strip()
WECHATPAY_APIV2_KEY = env_str("WECHATPAY_APIV2_KEY").strip()
WECHATPAY_PUBLIC_KEY_PATH = env_str("WECHATPAY_PUBLIC_KEY_PATH").strip()
WECHATPAY_PUBLIC_KEY_ID = env_str("WECHATPAY_PUBLIC_KEY_ID").strip()
WECHATPAY_PLATFORM_CERT_PATH = env_str("WECHATPAY_PLATFORM_CERT_PATH").strip()
WECHATPAY_API_URL = env_str("WECHATPAY_API_URL", "https://api.mch.weixin.qq.com").strip()
WECHATPAY_NOTIFY_URL = env_str(
    "WECHATPAY_NOTIFY_URL", f"{PUBLIC_URL}/payments/notify/wechatpay/"
).strip()
WECHATPAY_PAPAY_NOTIFY_URL = env_str(
    "WECHATPAY_PAPAY_NOTIFY_URL", f"{PUBLIC_URL}/payments/notify/wechatpay/papay/"
).strip()
WECHATPAY_SERVER_IP = env_str("WECHATPAY_SERVER_IP").strip()
