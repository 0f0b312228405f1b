from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from fairdesk.api import api
from fairdesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("fairdesk.network.urls")),
    path("", core_views.home, name="home"),
]

# Language can also be chosen by URL prefix for sharing links: /en/…
urlpatterns += i18n_patterns(path("", include("fairdesk.network.urls", namespace="i18n-network")),
                             prefix_default_language=False)
