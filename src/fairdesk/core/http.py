"""Who is on the other end of a request: the client's IP address.

One rule for every limit that counts addresses (the customers' sign-in codes, the staff's
password lock): ``REMOTE_ADDR``, or, behind reverse proxies, the address the outermost trusted
proxy saw. A header from a client is never believed unless the settings say proxies are there.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address (for the per-IP limits).

    ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_HOPS`` (a setting, read at call time; 1 by default in
    HTTPS mode, else 0) says how many reverse proxies in front of fairdesk append to
    ``X-Forwarded-For``: then the address the outermost trusted proxy saw. Anything that is not an
    IP address counts as none.
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    candidate = request.META.get("REMOTE_ADDR", "")
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
