"""The whole API against its own OpenAPI schema, with schemathesis: every operation, every
check schemathesis has (server errors, status codes, content types, response schemas and
headers, schema-violating requests refused, authentication enforced, methods not allowed …), as
three callers — no credentials, a staff token (a brand administrator's) and a customer's
session — on the demo data.

Examples are bounded and derandomized, so the run is the same every time and takes about a
minute; ``FUZZ_EXAMPLES=60 FUZZ_RANDOM=1`` explores further (new examples each run).

One check is relaxed, and why: ``positive_data_acceptance`` wants every schema-valid request
accepted, but the API has rules no JSON Schema states (a phone number is a mainland mobile, a
plan code is in the catalog, a callback window starts in the future, text holds no control
character …), which answer 422 with a specific code. So a 422 is accepted for schema-valid data;
a server error or an answer that contradicts the schema never is.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from fairdesk.api.services import api_token_create
from fairdesk.core import roles
from fairdesk.customers.models import Customer

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
acceptance = schema.config.checks.positive_data_acceptance
acceptance.expected_statuses = [*acceptance.expected_statuses, "422"]

CALLERS = ("anonymous", "staff", "customer")
CSRF = "fuzz" * 8  # a CSRF secret of 32 characters, sent as the cookie and the header
#: The caller of the running test, read by ``CallerAuth`` (schemathesis asks for it per case).
CURRENT: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


@schema.auth(refresh_interval=None)
class CallerAuth:
    """The credentials of the running test's caller, given to schemathesis as the API's own
    authentication, so that its checks know what to take away (``ignored_auth``)."""

    def get(self, case: Any, ctx: Any) -> tuple[dict[str, str], dict[str, str]] | None:
        return CURRENT.get("caller")  # none while schemathesis collects

    def set(self, case: Any, data: tuple[dict[str, str], dict[str, str]] | None, ctx: Any) -> None:
        headers, cookies = data or ({}, {})
        case.headers = {**(case.headers or {}), **headers}
        case.cookies = {**(case.cookies or {}), **cookies}


@pytest.fixture(scope="module")
def callers(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, tuple[dict[str, str], dict[str, str]]]]:
    """The demo data, once for the module (rolled back at its end), and the three callers."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        admin = get_user_model().objects.get(username=roles.BRAND_ADMIN)
        _token, key = api_token_create(client_name="schemathesis", user=admin)
        customer = Customer.objects.get(phone="13800000001")
        if customer.user is None:  # as the first sign-in makes it
            user = get_user_model().objects.create_user("c13800000001")
            user.groups.add(Group.objects.get(name=roles.CUSTOMER))
            customer.user = user
            customer.save(update_fields=["user"])
        browser = Client()
        browser.force_login(customer.user)
        yield {
            "anonymous": ({}, {}),
            "staff": ({"Authorization": f"Bearer {key}"}, {}),
            "customer": (
                {"X-CSRFToken": CSRF},
                {"sessionid": browser.cookies["sessionid"].value, "csrftoken": CSRF},
            ),
        }
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def one_connection() -> Iterator[None]:
    """The WSGI calls run in the test's transaction: Django must not close its connection at
    the end of each request (as its own test client arranges)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("caller", CALLERS)
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")),
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_schema(
    case: Any, caller: str, callers: dict[str, tuple[dict[str, str], dict[str, str]]], db: None
) -> None:
    CURRENT["caller"] = callers[caller]
    case.call_and_validate()
