from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = _("Victims")

    def ready(self) -> None:
        # Registers the startup check that the field keys open the sentinel.
        from victims import checks  # noqa: F401
