"""The role matrix: every page and every API operation, as every role, with every unsafe method.

The pages are enumerated from the URL configuration and the API's operations from its OpenAPI
schema, so a new page or operation fails ``test_everything_is_classified`` until it is in the
expectation table (``access_table.py``). Each unsafe method (POST, PUT, PATCH, DELETE) is sent
with a valid body as each role (a session, and for the API also the role's token): the roles the
table allows must not be refused; every other must be answered 401, 403, 404, 405 or a redirect
to a sign-in page, **and write nothing**: no INSERT, UPDATE or DELETE reaches the database
(sessions aside). Each call runs in a savepoint that is rolled back, so every call meets the same
data (the world is built once, in a transaction rolled back at the end).

The admin is walked the same way (``test_admin``): every registered model's add, change, delete,
history, list and actions, and every other admin page, as every role, with every unsafe method.
Whoever lacks the model permission (``core.roles.ROLE_PERMISSIONS``: auditors have none but
``view_*``) is refused and writes nothing; the admin's pages that only read may answer a POST
with the page, but write nothing either.

Signing in and out, asking for a sign-in code, changing one's own password and choosing a
language are open to everyone (``PUBLIC``): they change no one's data but the caller's session.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from fairdesk.core import roles
from fairdesk.site.tests.access_table import API, API_READ_KWARGS, PAGES, Op
from fairdesk.site.tests.access_world import SESSION_ROLES, TOKEN_ROLES, World, make_world

pytestmark = pytest.mark.django_db

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
REFUSED = {401, 403, 404, 405}
SIGN_IN = {"/login/", "/staff/login/", "/admin/login/"}
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
# not a change of anyone's data: the session, a token's last use (at most once a minute)
_IGNORED = re.compile(r'"django_session"|UPDATE "api_apitoken" SET "last_used_at"')

#: The admin's own pages, none of a model: what a POST to them may do.
ADMIN_SITE_PUBLIC = {"admin:login", "admin:logout", "admin:password_change"}
ADMIN_SITE_READ = {
    "admin:index",
    "admin:app_list",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:view_on_site",
}
#: Admin pages of a model beyond Django's own: the permission that lets a POST write, the URL's
#: arguments and the POST's body.
ADMIN_CUSTOM: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "admin:network_outlet_import_coverage": (
        "network.add_coverageimport",
        lambda w: [w.outlet.pk],
        {"text": "广州市天河区", "mode": "add", "action": "apply"},
    ),
    "admin:auth_user_password_change": (
        "auth.change_user",
        lambda w: [w.users["technician"].pk],
        {"password1": "a-new-pass-8362", "password2": "a-new-pass-8362"},
    ),
}
ADMIN_MODEL_PAGES = ("changelist", "add", "change", "delete", "history")


# --------------------------------------------------------------------------------------------
# What there is
# --------------------------------------------------------------------------------------------


def url_names() -> Iterator[tuple[str, str]]:
    """(qualified name, route) of every URL pattern; an unnamed one is named by its route."""

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(n for n in (namespace, p.namespace) if n) or None
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if p.name:
                    yield (f"{namespace}:{p.name}" if namespace else p.name), route
                else:  # the admin's redirects to a change page, and its catch-all
                    yield (f"admin:<{route}>" if route.startswith("admin/") else route), route

    yield from walk(get_resolver().url_patterns, "", None)


def api_schema() -> dict[str, Any]:
    from fairdesk.urls import api

    schema: dict[str, Any] = api.get_openapi_schema()
    return schema


def api_name(operation_id: str) -> str | None:
    """The table's name of an operation: the handler's name, at the end of its id."""
    names = [n for n in (*API, *API_READ_KWARGS) if operation_id.endswith("_" + n)]
    return max(names, key=len) if names else None


def api_calls() -> Iterator[tuple[str, str, str, Op | None, str]]:
    """(method, path template, operation name, its table entry, the name whose path parameters
    fill the path) for every unsafe method on every path of the API: an operation's, or a
    method the path does not have."""
    for path, operations in api_schema()["paths"].items():
        names = {m.upper(): api_name(o["operationId"]) or "" for m, o in operations.items()}
        kwargs_name = next((n for n in names.values() if n in API or n in API_READ_KWARGS), "")
        for method in UNSAFE:
            name = names.get(method, "")
            yield method, path, name, API.get(name), kwargs_name


def admin_models() -> list[Any]:
    return [m for m in apps.get_models() if admin.site.is_registered(m)]


def admin_names() -> set[str]:
    """The admin URL names the walk covers: the site's pages, each model's, the custom ones."""
    names = ADMIN_SITE_PUBLIC | ADMIN_SITE_READ | set(ADMIN_CUSTOM)
    for model in admin_models():
        meta = model._meta
        names |= {f"admin:{meta.app_label}_{meta.model_name}_{page}" for page in ADMIN_MODEL_PAGES}
    return names


def test_everything_is_classified() -> None:
    """Every page is in the table or walked by ``test_admin``, every API operation with a path
    parameter or an unsafe method is in the table, and the table names nothing that is gone."""
    names = {name for name, _route in url_names()}
    api_pages = {n for n in names if n.startswith("api-v1:")} - set(PAGES)
    admin_pages = {n for n in names if n.startswith("admin:") and not n.startswith("admin:<")}
    pages = names - api_pages - {n for n in names if n.startswith("admin:")}
    assert pages - set(PAGES) == set(), "pages not in access_table.PAGES"
    assert set(PAGES) - names == set(), "access_table.PAGES names pages that do not exist"
    assert admin_pages - admin_names() == set(), "admin pages not walked by test_admin"
    found: set[str] = set()
    for path, operations in api_schema()["paths"].items():
        for method, operation in operations.items():
            name = api_name(operation["operationId"])
            where = f"{method.upper()} {path} ({operation['operationId']})"
            if method.upper() != "GET":
                assert name in API, f"{where} is not in access_table.API"
            elif "{" in path:
                assert name in API_READ_KWARGS, f"{where}: its path parameters are not in the table"
            if name:
                found.add(name)
    assert set(API) | set(API_READ_KWARGS) <= found, "the table names operations that are gone"
    assert {f"api-v1:{n}" for n in found} <= api_pages, "operations without a URL"


# --------------------------------------------------------------------------------------------
# Calling
# --------------------------------------------------------------------------------------------


def refused(response: Any, *, signed: bool = False) -> bool:
    """401, 403, 404, 405 or a redirect to a sign-in page (and 400 for an unsigned payment
    notification)."""
    if response.status_code in REFUSED or (signed and response.status_code == 400):
        return True
    if response.status_code == 302:
        path = urlparse(response["Location"]).path
        return path.removeprefix("/en") in SIGN_IN
    return False


def writes_of(ctx: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"][:160]
        for q in ctx.captured_queries
        if _WRITE.match(q["sql"]) and not _IGNORED.search(q["sql"])
    ]


def send(
    client: Client,
    method: str,
    url: str,
    body: dict[str, Any],
    *,
    json_body: bool = False,
    multipart: bool = False,
    **headers: Any,
) -> tuple[Any, list[str]]:
    """One call inside a savepoint that is rolled back: the answer and the writes it made. The
    client's cookies are kept as they were (a sign-out, a language choice)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            if method == "POST" and (multipart or not json_body):
                response = client.post(url, body, **headers)
            elif json_body:
                data = json.dumps(body)
                response = client.generic(
                    method, url, data, content_type="application/json", **headers
                )
            else:
                response = client.generic(
                    method,
                    url,
                    urlencode(body, doseq=True),
                    content_type="application/x-www-form-urlencoded",
                    **headers,
                )
        transaction.set_rollback(True)
    client.cookies = cookies
    return response, writes_of(ctx)


def judge(
    what: str, allowed: bool, response: Any, writes: list[str], *, signed: bool = False
) -> str:
    """ "" when the answer is as the table says, else what is wrong (``what`` names the call)."""
    status = response.status_code
    if status >= 500:
        return f"{what}: {status}"
    if allowed:
        return f"{what}: refused ({status}) but the table allows it" if refused(response) else ""
    if not refused(response, signed=signed):
        return f"{what}: answered {status}, not refused"
    if writes:
        return f"{what}: refused ({status}) but wrote {writes}"
    return ""


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The demo's data and more (``access_world``), built once for the module in a transaction
    that is rolled back at its end; each test runs in a savepoint inside it."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield make_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def session(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def page_url(name: str, entry: Op, world: World) -> str:
    if name.startswith("i18n-"):
        with translation.override("en"):
            return reverse(name, kwargs=entry.kwargs(world))
    return reverse(name, kwargs=entry.kwargs(world))


@pytest.mark.parametrize("role", SESSION_ROLES)
def test_pages(world: World, role: str) -> None:
    client = session(world, role)
    problems = []
    for name, entry in sorted(PAGES.items()):
        url = page_url(name, entry, world)
        for method in UNSAFE:
            body = entry.body(world) if entry.body else {}
            response, writes = send(client, method, url, body, multipart=entry.multipart)
            if entry.public and response.status_code < 500:
                continue
            allowed = method == "POST" and role in entry.allowed
            what = f"{method} {url} as {role}"
            problem = judge(what, allowed, response, writes, signed=entry.signed)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def api_url(path: str, kwargs: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)


@pytest.mark.parametrize(
    ("role", "by"),
    [(role, "session") for role in SESSION_ROLES] + [(role, "token") for role in TOKEN_ROLES],
)
def test_api(world: World, role: str, by: str) -> None:
    client = session(world, role) if by == "session" else Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"} if by == "token" else {}
    problems = []
    for method, path, name, entry, kwargs_name in api_calls():
        params = API[kwargs_name].kwargs if kwargs_name in API else API_READ_KWARGS.get(kwargs_name)
        url = api_url(path, params(world) if params else {})
        body = entry.body(world) if entry and entry.body else {}
        multipart = bool(entry and entry.multipart)
        response, writes = send(
            client, method, url, body, json_body=not multipart, multipart=multipart, **headers
        )
        if entry is not None and entry.public and response.status_code < 500:
            continue
        allowed = entry is not None and role in entry.allowed
        problem = judge(f"{method} {url} [{name}] as {role} ({by})", allowed, response, writes)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# The admin
# --------------------------------------------------------------------------------------------


def admin_calls(world: World) -> Iterator[tuple[str, str, dict[str, Any], str | None]]:
    """(name, URL, POST body, the permission that lets it write; None: it only reads)."""
    for name in sorted(ADMIN_SITE_READ):
        try:
            yield name, reverse(name), {}, None
        except NoReverseMatch:  # it needs arguments: app_list, view_on_site
            continue
    yield "admin:app_list", reverse("admin:app_list", args=["customers"]), {}, None
    for model in admin_models():
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        obj = model._default_manager.order_by("pk").first()
        perm = f"{meta.app_label}.%s_{meta.model_name}"
        yield f"{base}_add", reverse(f"{base}_add"), {}, perm % "add"
        changelist = reverse(f"{base}_changelist")
        yield f"{base}_changelist", changelist, {}, None
        model_admin = admin.site.get_model_admin(model)
        for action in ["delete_selected", *(model_admin.actions or [])]:
            name = action if isinstance(action, str) else action.__name__
            body = {"action": name, "_selected_action": [obj.pk] if obj else [], "post": "yes"}
            write = perm % ("delete" if name == "delete_selected" else "change")
            yield f"{base}_changelist:{name}", changelist, body, write
        if obj is None:
            continue
        yield f"{base}_change", reverse(f"{base}_change", args=[obj.pk]), {}, perm % "change"
        yield (
            f"{base}_delete",
            reverse(f"{base}_delete", args=[obj.pk]),
            {"post": "yes"},
            perm % "delete",
        )
        yield f"{base}_history", reverse(f"{base}_history", args=[obj.pk]), {}, None
    for name, (permission, args, body) in ADMIN_CUSTOM.items():
        yield name, reverse(name, args=args(world)), body, permission


def may(role: str, permission: str) -> bool:
    """Whether the role's permissions (the table: ``core.roles.ROLE_PERMISSIONS``) include it.
    The superuser has every permission; a customer and an anonymous visitor none."""
    if role == "admin":
        return True
    group = {"other_manager": roles.OUTLET_MANAGER, "other_customer": roles.CUSTOMER}.get(
        role, role
    )
    return permission in roles.ROLE_PERMISSIONS.get(group, [])


@pytest.mark.parametrize("role", SESSION_ROLES)
def test_admin(world: World, role: str) -> None:
    client = session(world, role)
    problems = []
    for name, url, body, permission in admin_calls(world):
        for method in UNSAFE:
            response, writes = send(client, method, url, body if method == "POST" else {})
            what = f"{method} {url} [{name}] as {role}"
            if response.status_code >= 500:
                problems.append(f"{what}: {response.status_code}")
            elif method != "POST":
                problems.append(judge(what, False, response, writes))
            elif permission is None or ":" in name:
                # a page that reads, or an action the role may not see: no write, whatever it says
                if writes and not (permission and may(role, permission)):
                    problems.append(f"{what}: wrote {writes}")
            elif not may(role, permission):
                problems.append(judge(what, False, response, writes))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_auditors_have_no_write_permission() -> None:
    """The auditor role is read-only: no add, change or delete permission in the table."""
    perms = roles.ROLE_PERMISSIONS[roles.AUDITOR]
    assert [p for p in perms if not p.split(".", 1)[1].startswith("view_")] == []
