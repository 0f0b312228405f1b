from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "fairdesk.contact"
    label = "contact"
    verbose_name = _("Contacts and complaints")

    def ready(self) -> None:
        from fairdesk.contact import checks  # noqa: F401  (registers the system checks)
