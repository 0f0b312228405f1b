"""The contact API's OpenAPI schema: every operation documented with its answers."""

from __future__ import annotations

from django.test import Client

from fairdesk.contact.tests.conftest import API


def test_openapi_documents_the_contact_endpoints(db: None) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/v1/contacts", "post"): {"201", "401", "403", "422"},
        ("/api/v1/contacts/{contact_id}", "get"): {"200", "401", "404"},
        ("/api/v1/contacts/{contact_id}/messages", "post"): {"201", "403", "404", "409", "422"},
        ("/api/v1/contacts/{contact_id}/human", "post"): {"200", "403", "404", "409"},
        ("/api/v1/callbacks", "post"): {"201", "403", "422"},
        ("/api/v1/callbacks", "get"): {"200", "401", "403"},
        ("/api/v1/complaints", "post"): {"201", "403", "422"},
        ("/api/v1/complaints", "get"): {"200", "403", "422"},
        ("/api/v1/complaints/{complaint_id}", "get"): {"200", "404"},
        ("/api/v1/complaints/{complaint_id}/transitions", "post"): {"200", "403", "409", "422"},
        ("/api/v1/complaints/export", "get"): {"200", "403", "422"},
        ("/api/v1/queue", "get"): {"200", "403"},
        ("/api/v1/staffing/erlang-c", "get"): {"200", "403", "422"},
    }
    for (path, method), codes in expected.items():
        operation = paths[path][method]
        assert "contact" in operation["tags"], path
        assert codes <= set(operation["responses"]), (path, method)
        assert operation["description"], path
    export = paths["/api/v1/complaints/export"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    assert {p["name"] for p in export["parameters"]} >= {"format", "from", "to", "category"}
    body = schema["components"]["schemas"]["ContactIn"]["properties"]["contact_type"]
    assert "refund" in body["enum"]
