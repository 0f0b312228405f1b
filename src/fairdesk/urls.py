from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from fairdesk.api.app import new_api
from fairdesk.areas.api import router as areas_router
from fairdesk.contact.api import router as contact_router
from fairdesk.core import views as core_views
from fairdesk.customers.api import router as customers_router
from fairdesk.network.api import router as network_router
from fairdesk.plans.api import router as plans_router
from fairdesk.service_requests.api import router as service_requests_router
from fairdesk.site import views as site_views

# The API, versioned under /api/v1/: the shell (fairdesk.api) and one router per app.
api = new_api()
api.add_router("/areas", areas_router, tags=["areas"])
api.add_router("/", network_router, tags=["network"])
api.add_router("/", customers_router)
api.add_router("/service-requests", service_requests_router, tags=["service requests"])
api.add_router("/", plans_router, tags=["plans"])
api.add_router("/", contact_router, tags=["contact"])

# The error pages: the visitor's language, the site's look, nothing of the error's inside; JSON in
# the API's error shape under /api/ (fairdesk.site.errors).
handler400 = "fairdesk.site.errors.bad_request"
handler403 = "fairdesk.site.errors.permission_denied"
handler404 = "fairdesk.site.errors.page_not_found"
handler500 = "fairdesk.site.errors.server_error"

admin.site.site_header = _("fairdesk administration")
admin.site.site_title = _("fairdesk admin")
admin.site.index_title = _("Service network and users")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("fairdesk.network.urls")),
    path("", include("fairdesk.customers.urls")),
    path("", include("fairdesk.notifications.urls")),
    path("portal/", include("fairdesk.portal.urls")),
    path("console/", include("fairdesk.console.urls")),
    # the payment providers' notifications (Alipay, WeChat Pay): verified, CSRF-exempt
    path("payments/", include("fairdesk.plans.urls")),
    path("", site_views.home, name="home"),
]

# Language: the visitor's choice (switcher cookie, then Accept-Language; see
# fairdesk.core.middleware), and for sharing links also a URL prefix: /en/coverage/…
urlpatterns += i18n_patterns(
    path("", include("fairdesk.network.urls", namespace="i18n-network")),
    prefix_default_language=False,
)

# Contact centre: the published queue rule (public, also as /en/queue-rule/) and the auditors'
# complaint export page.
urlpatterns += [path("", include("fairdesk.contact.urls"))]
urlpatterns += i18n_patterns(
    path("", include("fairdesk.contact.urls", namespace="i18n-contact")),
    prefix_default_language=False,
)
