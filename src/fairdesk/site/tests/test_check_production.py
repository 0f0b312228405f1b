"""``fairdesk check-production`` (issue 24 item 9): every missing piece of a production install
with how to fix it, exit status 1; nothing to say and exit status 0 once the install is right.
The end-to-end cases run the real command in a fresh process on a migrated SQLite database; the
rules that read the database are also checked in-process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from fairdesk.site import checks
from fairdesk.site.management.commands.seed_demo import DEMO_PASSWORD
from fairdesk.site.tests.production import production
from fairdesk.site.tests.test_https_mode import environment

#: docs/deploy.md's environment, with SQLite in a data folder that is kept (the child's TMPDIR
#: is elsewhere: see ``environment``).
PRODUCTION = {
    "FAIRDESK_HTTPS": "1",
    "PUBLIC_URL": "https://service.example.com",
    "ALLOWED_HOSTS": "service.example.com",
}


def fairdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A production install's data folder: migrated, with a first administrator."""
    root = tmp_path_factory.mktemp("install")
    env = environment(root, **PRODUCTION)
    done = fairdesk(env, "manage", "migrate", "--noinput", "-v", "0")
    assert done.returncode == 0, done.stderr
    return root


def test_a_complete_install_has_nothing_missing(installed: Path) -> None:
    env = environment(
        installed,
        **production(installed / "keys"),
        DJANGO_SUPERUSER_PASSWORD="a-long-Real-pass-2024",
    )
    done = fairdesk(
        env, "manage", "createsuperuser", "--noinput", "--username", "chief", "--email", "c@x.cn"
    )
    assert done.returncode == 0, done.stderr
    done = fairdesk(env, "check-production", "--lang", "en")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Nothing is missing" in done.stdout
    assert "✗" not in done.stdout


def test_a_demo_like_install_is_told_every_missing_piece_and_how_to_fix_it(
    installed: Path,
) -> None:
    env = environment(installed)  # no HTTPS, the default PUBLIC_URL and host names
    env["HUEY_IMMEDIATE"] = "1"
    data = Path(env["FAIRDESK_DATA_DIR"])
    (data / "secret_key").chmod(0o644)
    try:
        done = fairdesk(env, "check-production", "--lang", "en")
    finally:
        (data / "secret_key").chmod(0o600)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    for check_id, fix in (
        ("fairdesk.W001", "FAIRDESK_HTTPS=1"),
        ("fairdesk.W002", "https://"),
        ("fairdesk.W003", "ALLOWED_HOSTS"),
        ("fairdesk.W006", "chmod 600"),
        ("fairdesk.W008", "HUEY_IMMEDIATE"),
        ("security.W004", "FAIRDESK_HTTPS=1"),
        ("security.W012", "FAIRDESK_HTTPS=1"),
    ):
        assert f"[{check_id}]" in out, check_id
        section = out.split(f"[{check_id}]", 1)[1].split("✗", 1)[0]
        assert "How to fix:" in section and fix in section, (check_id, section)
    assert "things are missing" in out and "docs/deploy.md" in out
    assert "Not ready for production" in done.stderr
    # in Chinese by default
    chinese = fairdesk(env, "check-production")
    assert chinese.returncode == 1 and "修复方法" in chinese.stdout


def test_a_temporary_database_and_data_folder_are_missing_pieces(tmp_path: Path) -> None:
    env = environment(tmp_path, **PRODUCTION)
    env["TMPDIR"] = str(tmp_path)  # the data folder is now inside the temporary folder
    done = fairdesk(env, "manage", "check", "--deploy")
    assert "fairdesk.W004" in done.stderr + done.stdout
    assert "fairdesk.W005" in done.stderr + done.stdout


@pytest.mark.django_db
def test_demo_accounts_demo_data_and_no_administrator_are_missing_pieces() -> None:
    from fairdesk.customers.demo import DEMO_BRAND
    from fairdesk.customers.models import ProductModel

    def ids() -> set[str]:
        return {m.id or "" for m in checks.check_database(databases=["default"])}

    assert ids() == {"fairdesk.W023"}  # an empty database: no administrator yet
    User = get_user_model()
    User.objects.create_superuser("admin", password=DEMO_PASSWORD)
    assert ids() == {"fairdesk.W021", "fairdesk.W023"}  # the demo's admin does not count
    User.objects.create_superuser("chief", password="a-long-Real-pass-2024")
    assert ids() == {"fairdesk.W021"}
    ProductModel.objects.create(brand=DEMO_BRAND, model_code="X1", name="x", warranty_months=12)
    assert ids() == {"fairdesk.W021", "fairdesk.W022"}
    User.objects.filter(username="admin").delete()
    ProductModel.objects.all().delete()
    assert ids() == set()
    # without a database to look at (plain `check --deploy`) it says nothing
    assert checks.check_database(databases=None) == []


def test_the_secret_key_file_must_be_private(
    settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    key = tmp_path / "secret_key"
    key.write_text("x" * 60)
    key.chmod(0o600)
    assert checks.check_secret_key() == []
    key.chmod(0o640)
    (problem,) = checks.check_secret_key()
    assert problem.id == "fairdesk.W006" and str(key) in problem.hint
    assert oct(stat.S_IMODE(key.stat().st_mode)) in problem.msg
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-" + "y" * 40)
    assert checks.check_secret_key() == []
    assert os.environ["SECRET_KEY"]
