"""The Ninja API, versioned under /api/v1/: one router per app, one error shape for all."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from fairdesk.areas.api import router as areas_router
from fairdesk.contact.api import router as contact_router
from fairdesk.core.errors import DomainError
from fairdesk.customers.api import router as customers_router
from fairdesk.network.api import router as network_router
from fairdesk.plans.api import router as plans_router
from fairdesk.service_requests.api import router as service_requests_router


class UTF8JSONRenderer(JSONRenderer):
    """Chinese names as UTF-8 text, not \\u escapes (the same JSON, smaller and readable)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UTF8JSONRenderer(),
    title="fairdesk API",
    version="1",
    description="fairdesk: after-sales service, fair by construction. 公平售后服务平台。",
    urls_namespace="api-v1",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    body = {
        "error": {
            "code": "invalid_input",
            "message": _("The request is not valid."),
            "details": exc.errors,
        }
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own errors (a body that is not JSON, …) in the one error shape."""
    code = "invalid_body" if exc.status_code == 400 else "error"
    body = {
        "error": {
            "code": code,
            "message": _("The request is not valid: %(detail)s") % {"detail": str(exc)},
        }
    }
    return api.create_response(request, body, status=exc.status_code)


api.add_router("/areas", areas_router, tags=["areas"])
api.add_router("/", network_router, tags=["network"])
api.add_router("/", customers_router)
api.add_router("/service-requests", service_requests_router, tags=["service requests"])
api.add_router("/", plans_router, tags=["plans"])
api.add_router("/", contact_router, tags=["contact"])
