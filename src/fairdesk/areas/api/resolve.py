"""Reading a place name: the resolver's answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fairdesk.api.errors import responds
from fairdesk.areas.api.router import router
from fairdesk.areas.api.schemas import ResolutionOut
from fairdesk.core.errors import DomainError

MAX_QUERY_LENGTH = 200


@router.get(
    "/resolve",
    response=responds(ResolutionOut, 422),
    summary="Resolve a place name / 识别地名",
)
def resolve_place(request: HttpRequest, q: str | None = None) -> dict[str, Any]:
    """Resolve free text (a place name or a whole address, the way people write it) to an
    administrative division, e.g. ``海南共和县``, ``黔东南榕江县``, ``杭州市下城区``.

    ``q``: at most 200 characters. The answer is the object ``fairdesk areas resolve`` prints.
    """
    from fairdesk.areas.resolver import resolve

    if q is None or not q.strip():
        raise DomainError(
            _("Give a place name or an address in “q”."), code="q_required", status=422
        )
    if len(q) > MAX_QUERY_LENGTH:
        raise DomainError(
            _("“q” is too long: at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            code="q_too_long",
            status=422,
            details={"max_length": MAX_QUERY_LENGTH},
        )
    return resolve(q).as_dict(get_language() or "zh-hans")
