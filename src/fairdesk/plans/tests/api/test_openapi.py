"""The plans API in the OpenAPI schema: every path, its tag, and each status with the error
codes it answers."""

from __future__ import annotations

from django.test import Client

from fairdesk.plans.tests.api.calls import (
    API,
)


def test_openapi_documents_the_plan_endpoints(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/plans": {"get"},
        "/api/v1/plans/{code}/consent-text": {"get"},
        "/api/v1/subscriptions": {"get", "post"},
        "/api/v1/subscriptions/{subscription_id}": {"get"},
        "/api/v1/subscriptions/{subscription_id}/ledger": {"get"},
        "/api/v1/subscriptions/{subscription_id}/events": {"get"},
        "/api/v1/subscriptions/{subscription_id}/changes": {"post"},
        "/api/v1/subscriptions/{subscription_id}/auto-renew": {"post"},
        "/api/v1/changes/{attempt_id}": {"get"},
        "/api/v1/changes/{attempt_id}/timing": {"post"},
        "/api/v1/changes/{attempt_id}/confirm": {"post"},
        "/api/v1/changes/{attempt_id}/accept-offer": {"post"},
        "/api/v1/scheduled-changes/{change_id}/undo": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["tags"] == ["plans"], path
            assert "200" in operation["responses"] or "201" in operation["responses"]
            if path != "/api/v1/plans":
                assert "401" in operation["responses"], path
    confirm = paths["/api/v1/changes/{attempt_id}/confirm"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(confirm)
    assert "quote_expired" in confirm["409"]["description"]
    assert confirm["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert "not_authenticated" in confirm["401"]["description"]
    start = paths["/api/v1/subscriptions/{subscription_id}/changes"]["post"]
    assert "201" in start["responses"] and "422" in start["responses"]
