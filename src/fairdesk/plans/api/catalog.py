"""The catalog: the plans on sale with the change policy (public), and the auto-renewal consent
text of a plan."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Query

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.plans import selectors
from fairdesk.plans.api.rendering import plan_out, policy_out
from fairdesk.plans.api.router import answers, router
from fairdesk.plans.api.schemas import CatalogOut, ConsentQuery, ConsentTextOut
from fairdesk.plans.services.subscriptions import consent_text


@router.get(
    "/plans",
    auth=None,
    response={200: CatalogOut},
    summary="Plans on sale and the change policy / 在售服务套餐与变更规则",
)
def list_plans(request: HttpRequest) -> dict[str, Any]:
    """The catalog on sale (public, no sign-in): prices in force, announced price changes,
    entitlements, and the one change policy that applies to every change alike."""
    now = timezone.now()
    plans = selectors.plans_on_sale().prefetch_related("price_changes", "family__related")
    return {"policy": policy_out(), "plans": [plan_out(p, now) for p in plans]}


@router.get(
    "/plans/{code}/consent-text",
    auth=api_auth,
    **answers(ConsentTextOut, {404: "plan_not_found", 422: "invalid_input"}),
    summary="Auto-renewal consent text / 自动续费同意书",
)
def plan_consent_text(request: ApiRequest, code: str, query: Query[ConsentQuery]) -> dict[str, Any]:
    """The text to show before subscribing with auto-renewal (or turning it back on). It is
    stored verbatim with the consent, with its language; send it back unchanged as
    ``consent_text``."""
    plan = selectors.plan_get(code)
    language: str = (
        query.language
        or selectors.consent_language(request.auth.user, query.customer_id)
        or translation.get_language()
        or settings.LANGUAGE_CODE
    )
    return {"plan": plan.code, "language": language, "text": consent_text(plan, language=language)}
