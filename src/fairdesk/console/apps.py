from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The agent and outlet console: interface only (views, forms, templates), no models."""

    name = "fairdesk.console"
    label = "console"
    verbose_name = _("Agent and outlet console")
