"""fairdesk's own production-readiness rules, as Django system checks registered with
``deploy=True``: ``fairdesk manage check --deploy`` reports them with Django's own deployment
checks, and ``fairdesk check-production`` (the ``check_production`` command) runs all of them —
with the checks that read the database — and prints each missing piece with how to fix it.

Any app adds a rule of its own the same way (``register(..., deploy=True)`` in its
``AppConfig.ready``): a ``Warning`` with an id, a message that says what is missing and a hint
that says how to fix it. The rules here: HTTPS mode and an https ``PUBLIC_URL``; the host names;
a database and a data folder that survive a reboot; the secret key's origin and its file's
permissions; no demo data or demo password; a first administrator; the worker's queue not run
inline. ``docs/deploy.md`` describes each.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import WARNING, CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0"}
GUIDE = "docs/deploy.md"


def warning(number: int, message: str, hint: str) -> CheckWarning:
    return CheckWarning(message, hint=hint, id=f"fairdesk.W{number:03d}")


def temporary_roots() -> list[Path]:
    """Folders whose contents do not outlive a reboot or a clean-up: the system's temporary
    folder (``TMPDIR``, else /tmp) and shared memory."""
    return [Path(tempfile.gettempdir()).resolve(), Path("/dev/shm")]


def is_temporary(path: Path) -> bool:
    path = path.resolve()
    return any(path == root or root in path.parents for root in temporary_roots())


def check_https(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if not getattr(settings, "HTTPS", False):
        problems.append(
            warning(
                1,
                _("HTTPS mode is off: cookies are sent without Secure, and there is no HSTS."),
                _(
                    "Put fairdesk behind a TLS reverse proxy and set FAIRDESK_HTTPS=1 (%(guide)s, "
                    "“A TLS reverse proxy”)."
                )
                % {"guide": GUIDE},
            )
        )
    public = urlsplit(settings.PUBLIC_URL)
    if public.scheme != "https" or (public.hostname or "") in LOCAL_HOSTS:
        problems.append(
            warning(
                2,
                _("PUBLIC_URL is %(url)s: links in text messages would not reach customers safely.")
                % {"url": settings.PUBLIC_URL},
                _("Set PUBLIC_URL to the https:// address customers use, e.g. %(example)s.")
                % {"example": "https://service.example.com"},
            )
        )
    return problems


def check_hosts(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[Any]:
    hosts = set(settings.ALLOWED_HOSTS)
    if "*" in hosts or not hosts - LOCAL_HOSTS:
        return [
            warning(
                3,
                _("ALLOWED_HOSTS is %(hosts)s: set it to the site's own host names.")
                % {"hosts": ",".join(settings.ALLOWED_HOSTS) or "-"},
                _("Set ALLOWED_HOSTS to the public host name, e.g. %(example)s.")
                % {"example": "service.example.com"},
            )
        ]
    return []


def check_storage(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = str(database["NAME"])
        if name == ":memory:" or "mode=memory" in name or is_temporary(Path(name)):
            problems.append(
                warning(
                    4,
                    _("The database is SQLite in a temporary folder (%(path)s): it will be lost.")
                    % {"path": name},
                    _(
                        "Set DATABASE_URL to PostgreSQL (postgres://user:password@host:5432/"
                        "fairdesk), or FAIRDESK_DATA_DIR to a folder that is kept and backed up."
                    ),
                )
            )
    data_dir = Path(settings.DATA_DIR)
    if is_temporary(data_dir):
        problems.append(
            warning(
                5,
                _(
                    "The data folder %(path)s is temporary: uploads (proofs of purchase) and the "
                    "generated secret key would be lost."
                )
                % {"path": data_dir},
                _("Set FAIRDESK_DATA_DIR to a folder that is kept and backed up, e.g. %(example)s.")
                % {"example": "/var/lib/fairdesk"},
            )
        )
    return problems


def check_secret_key(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[Any]:
    if os.environ.get("SECRET_KEY"):
        return []  # from the environment (Django's own check looks at its strength)
    path = Path(settings.DATA_DIR) / "secret_key"
    if not path.exists():
        return []  # not from the file either (settings made it from the environment)
    info = path.stat()
    problems: list[Any] = []
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problems.append(
            warning(
                6,
                _("The secret key file %(path)s can be read by other users (mode %(mode)s).")
                % {"path": path, "mode": oct(stat.S_IMODE(info.st_mode))},
                _("Run: chmod 600 %(path)s") % {"path": path},
            )
        )
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        problems.append(
            warning(
                7,
                _("The secret key file %(path)s belongs to another user.") % {"path": path},
                _("Give it to the user fairdesk runs as (chown), or set SECRET_KEY instead."),
            )
        )
    return problems


def check_worker(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[Any]:
    if settings.HUEY.get("immediate"):
        return [
            warning(
                8,
                _("HUEY_IMMEDIATE is on: background tasks run inside web requests."),
                _("Unset HUEY_IMMEDIATE and run the worker (fairdesk serve, or fairdesk worker)."),
            )
        ]
    return []


def _demo_passwords(users: Iterable[Any]) -> list[str]:
    from fairdesk.site.management.commands.seed_demo import DEMO_PASSWORD

    return [user.username for user in users if user.check_password(DEMO_PASSWORD)]


def check_database(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[Any]:
    """What is in the database: no demo data or demo password, a first administrator. Runs only
    when asked to look at a database (``check --database default``, ``check-production``)."""
    if not databases or "default" not in databases:
        return []
    from django.contrib.auth import get_user_model

    from fairdesk.customers.demo import DEMO_BRAND, DEMO_CUSTOMER_PHONE
    from fairdesk.customers.models import Customer, ProductModel
    from fairdesk.site.management.commands.seed_demo import DEMO_ADMIN, EXTRA_USERS, ROLE_USERS

    User = get_user_model()
    problems: list[Any] = []
    try:
        connections["default"].ensure_connection()
        demo_names = [DEMO_ADMIN, *ROLE_USERS, *EXTRA_USERS]
        weak = _demo_passwords(User.objects.filter(username__in=demo_names, is_active=True))
        demo_data = (
            ProductModel.objects.filter(brand=DEMO_BRAND).exists()
            or Customer.objects.filter(phone=DEMO_CUSTOMER_PHONE).exists()
        )
        administrators = User.objects.filter(is_active=True, is_superuser=True).exclude(
            username__in=weak
        )
        has_administrator = administrators.exists()
    except DatabaseError as exc:
        return [
            warning(
                20,
                _("The database does not answer: %(error)s") % {"error": exc},
                _("Check DATABASE_URL, then run: fairdesk manage migrate"),
            )
        ]
    if weak:
        problems.append(
            warning(
                21,
                _("Demo accounts with the published demo password exist: %(users)s.")
                % {"users": ", ".join(sorted(weak))},
                _(
                    "Delete them or set them a strong password in the admin. Never run "
                    "seed_demo or fairdesk demo against a production database."
                ),
            )
        )
    if demo_data:
        problems.append(
            warning(
                22,
                _("The database holds the demo's data (its brand, products or customers)."),
                _(
                    "Start from an empty database: a new PostgreSQL database and fairdesk manage "
                    "migrate (%(guide)s)."
                )
                % {"guide": GUIDE},
            )
        )
    if not has_administrator:
        problems.append(
            warning(
                23,
                _("There is no administrator to sign in to the admin."),
                _("Create the first one: fairdesk manage createsuperuser"),
            )
        )
    return problems


def register_checks() -> None:
    """Called by ``SiteConfig.ready``."""
    for check in (check_https, check_hosts, check_storage, check_secret_key, check_worker):
        register(check, "fairdesk", deploy=True)
    register(check_database, "fairdesk", Tags.database, deploy=True)


def missing(messages: Iterable[CheckMessage]) -> list[CheckMessage]:
    """The messages that count as a missing piece: warnings and worse, not silenced."""
    return [m for m in messages if m.level >= WARNING and not m.is_silenced()]


def django_hint(check_id: str) -> str:
    """How to fix one of Django's own deployment warnings with fairdesk's settings."""
    https = _("Set FAIRDESK_HTTPS=1 (behind a TLS reverse proxy: %(guide)s).") % {"guide": GUIDE}
    hints = {
        "security.W004": https,
        "security.W008": https,
        "security.W012": https,
        "security.W016": https,
        "security.W018": _("Unset DEBUG (or set DEBUG=false)."),
        "security.W009": _(
            "Unset SECRET_KEY to have fairdesk generate one in the data folder, or set a random "
            "one of at least 50 characters."
        ),
        "security.W020": _("Set ALLOWED_HOSTS to the public host name."),
    }
    return hints.get(check_id, "")
