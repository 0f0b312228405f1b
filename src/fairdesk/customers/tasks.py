"""Background work of customers (Huey): forget old sign-in codes."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fairdesk.customers.services import login_codes_purge


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_login_codes() -> None:
    login_codes_purge()
