from django.apps import AppConfig


class HarborConfig(AppConfig):
    """The composition root: project-wide management commands (seed_demo)."""

    name = "config"
    label = "config"
    verbose_name = "Harbor"
