from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "fairdesk.plans"
    label = "plans"
    verbose_name = _("Service plans")

    def ready(self) -> None:
        from fairdesk.plans import checks  # noqa: F401  (registers the deployment checks)
