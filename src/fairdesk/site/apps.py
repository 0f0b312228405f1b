from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site as a whole: the home page and the demo's data (``seed_demo``). Interface only,
    no models: it sits above every domain app, so that ``core`` imports none of them."""

    name = "fairdesk.site"
    label = "site"
    verbose_name = _("Site")

    def ready(self) -> None:
        from fairdesk.site.checks import register_checks

        register_checks()
