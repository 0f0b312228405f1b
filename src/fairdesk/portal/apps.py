from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer web portal: interface only (views, forms, templates), no models."""

    name = "fairdesk.portal"
    label = "portal"
    verbose_name = _("Customer portal")
