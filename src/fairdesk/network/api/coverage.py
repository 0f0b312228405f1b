"""Which outlets serve an address."""

from __future__ import annotations

from django.http import HttpRequest

from fairdesk.api.errors import responds
from fairdesk.network import selectors
from fairdesk.network.api.router import router
from fairdesk.network.api.schemas import CoverageAnswerOut


@router.get(
    "/coverage",
    response=responds(CoverageAnswerOut, 404, 422),
    summary="Which outlets serve an address? / 哪个网点服务这个地址？",
)
def coverage(
    request: HttpRequest, address: str | None = None, code: str | None = None
) -> dict[str, object]:
    """Give a free-text ``address`` (e.g. 广西南宁市良庆区) or a division ``code`` (e.g. 450108).

    200 with ``covered: true`` and the serving outlets, most specific coverage first; or
    ``covered: false`` with ``nearest`` outlets, or with the resolution's candidates when the
    address is ambiguous or unknown. 422 when both are empty, 404 for an unknown code.
    """
    return selectors.coverage_for(address=address, code=code).as_dict()
