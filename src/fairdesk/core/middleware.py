"""Language negotiation for the whole site, admin and API included."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, without pinning unprefixed URLs to ``LANGUAGE_CODE``.

    ``fairdesk.urls`` offers shareable ``/en/…`` links through ``i18n_patterns(…,
    prefix_default_language=False)``. Django then takes every URL *without* a prefix to be in the
    default language, whatever the visitor asked for, which would make the admin, the API and the
    pages Chinese-only. Here the language is the URL's prefix when it has one, else the visitor's
    choice (the language cookie set by the switcher, then ``Accept-Language``), else
    ``LANGUAGE_CODE``. Responses are unchanged (``Vary: Accept-Language`` and the 404 redirect).
    """

    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_request(request, check_path=True)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
