"""Settings and URLs of ``bench_floor.py``: fairdesk's own settings and middleware, plus one view
that does the least a service-request creation can do. Bench code only; not part of fairdesk.

The least a creation does: authenticate a Bearer token (one read), then in one transaction write
the request, claim its Idempotency-Key (a unique constraint) and queue the confirmation message.
Raw SQL on tables of its own, no ORM, no Ninja, no routing, no SLA clocks, no timeline.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from fairdesk.settings import *  # noqa: F403 - the same settings, middleware and database

ROOT_URLCONF = "floor_app"

TABLES = """
CREATE TABLE floor_token (key_hash text PRIMARY KEY, client_id integer NOT NULL,
                          active boolean NOT NULL);
CREATE TABLE floor_request (id bigserial PRIMARY KEY, client_id integer NOT NULL,
                            customer_id integer NOT NULL, description text NOT NULL,
                            created_at timestamptz NOT NULL);
CREATE TABLE floor_idem (client_id integer NOT NULL, key text NOT NULL,
                         request_id bigint NOT NULL REFERENCES floor_request (id),
                         fingerprint text NOT NULL, UNIQUE (client_id, key));
CREATE TABLE floor_message (id bigserial PRIMARY KEY, customer_id integer NOT NULL,
                            reference text NOT NULL, body text NOT NULL,
                            created_at timestamptz NOT NULL);
"""


def setup() -> str:
    """Create the tables and a token; returns the token's key."""
    import django

    django.setup()
    from django.db import connection

    key = "fd_" + secrets.token_urlsafe(24)
    with connection.cursor() as c:
        c.execute(TABLES)
        c.execute(
            "INSERT INTO floor_token (key_hash, client_id, active) VALUES (%s, 1, true)",
            [hashlib.sha256(key.encode()).hexdigest()],
        )
    return key


def check() -> str:
    """Rows written, and distinct Idempotency-Keys among them (one row per key)."""
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT count(*), count(DISTINCT i.key) FROM floor_request r "
            "JOIN floor_idem i ON i.request_id = r.id"
        )
        rows, keys = c.fetchone()
    return json.dumps({"rows": rows, "distinct_keys": keys})


def create(request: Any) -> Any:
    from django.db import connection, transaction
    from django.http import JsonResponse
    from django.utils import timezone

    auth = request.headers.get("Authorization", "")
    with connection.cursor() as c:
        c.execute(
            "SELECT client_id FROM floor_token WHERE key_hash = %s AND active",
            [hashlib.sha256(auth.removeprefix("Bearer ").encode()).hexdigest()],
        )
        row = c.fetchone()
    if row is None:
        return JsonResponse({"error": {"code": "invalid_token"}}, status=401)
    client_id = row[0]
    body = json.loads(request.body)
    key = request.headers.get("Idempotency-Key", "")
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            "INSERT INTO floor_request (client_id, customer_id, description, created_at) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            [client_id, body["customer_id"], body["description"], now],
        )
        request_id = c.fetchone()[0]
        c.execute(
            "INSERT INTO floor_idem (client_id, key, request_id, fingerprint) "
            "VALUES (%s, %s, %s, %s)",
            [client_id, key, request_id, hashlib.sha256(request.body).hexdigest()],
        )
        number = f"SR{request_id:06d}"
        c.execute(
            "INSERT INTO floor_message (customer_id, reference, body, created_at) "
            "VALUES (%s, %s, %s, %s)",
            [body["customer_id"], number, f"您的服务单 {number} 已受理。", now],
        )
    return JsonResponse({"id": request_id, "number": number}, status=201)


def __getattr__(name: str) -> Any:
    # The URLs are read when the first request comes, after the apps are loaded (this module is
    # imported earlier, as the settings): fairdesk's own, plus the floor view.
    if name == "urlpatterns":
        from django.urls import path
        from django.views.decorators.csrf import csrf_exempt

        from fairdesk.urls import urlpatterns

        return [path("floor/create", csrf_exempt(create)), *urlpatterns]
    raise AttributeError(name)
