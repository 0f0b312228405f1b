from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse(
            {
                "status": "error",
                "database": {
                    "status": "error",
                    "vendor": connection.vendor,
                    "error": exc.__class__.__name__,
                },
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": {"status": "ok", "vendor": connection.vendor}})
