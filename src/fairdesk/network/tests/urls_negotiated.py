"""Test URLconf: the same views without i18n_patterns, so LocaleMiddleware negotiates the language
from Accept-Language (the project's i18n_patterns with prefix_default_language=False pins every
unprefixed URL, admin and API included, to zh-hans)."""

from django.contrib import admin
from django.urls import include, path

from fairdesk.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("fairdesk.network.urls")),
]
