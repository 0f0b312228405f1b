"""The OpenAPI schema tells the truth: one name for one schema, and every definition the one its
model makes (Ninja keeps one definition per name, so two models of one name would document
one of them in the other's place)."""

from __future__ import annotations

import typing
from collections import defaultdict
from typing import Any

import pydantic
from ninja.constants import NOT_SET
from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema

from fairdesk.urls import api


def _operations() -> list[Any]:
    return [
        operation
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]


def _models_in(annotation: Any, found: set[type[pydantic.BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _models_in(argument, found)


def _definitions(model: Any, mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
    )
    return dict(schema.get("$defs", {}))


def test_no_two_models_share_a_schema_name() -> None:
    models: set[type[pydantic.BaseModel]] = set()
    for operation in _operations():
        for model in operation.models:
            _models_in(model, models)
        for model in operation.response_models.values():
            if model not in (None, NOT_SET):
                _models_in(model, models)
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in models:
        title = model.model_json_schema(schema_generator=NinjaGenerateJsonSchema).get("title")
        by_name[str(title or model.__name__)].add(f"{model.__module__}.{model.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert shared == {}


def test_every_documented_definition_is_its_models() -> None:
    components = api.get_openapi_schema()["components"]["schemas"]
    wrong: list[str] = []
    for operation in _operations():
        made: dict[str, Any] = {}
        for model in operation.models:
            made.update(_definitions(model, "validation"))
        for model in operation.response_models.values():
            if model not in (None, NOT_SET):
                made.update(_definitions(model, "serialization"))
        for name, definition in made.items():
            if components.get(name) != definition:
                wrong.append(f"{operation.view_func.__name__}: {name}")
    assert wrong == []


def test_subscriptions_document_the_customer_they_send() -> None:
    schema = api.get_openapi_schema()
    customer = schema["components"]["schemas"]["SubscriptionCustomerOut"]
    assert set(customer["required"]) == {"id", "name"}
    division = schema["paths"]["/api/v1/areas/divisions/{code}"]["get"]["responses"][200]
    ref = division["content"]["application/json"]["schema"]["$ref"]
    assert "full_name" in schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]


def test_every_error_documents_details_as_an_object() -> None:
    error = api.get_openapi_schema()["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"code", "message", "details"}
    assert error["properties"]["details"]["type"] == "object"
