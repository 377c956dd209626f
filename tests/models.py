"""Harbor's own models, for the tests that check a rule over every one of them."""

from __future__ import annotations

from django.apps import apps
from django.db import models

HARBOR_APPS = {
    "accounts",
    "audit",
    "cases",
    "cooperation",
    "locking",
    "notifications",
    "partners",
    "privacy",
    "reports",
    "search",
    "victims",
}


def harbor_models() -> list[type[models.Model]]:
    """The models whose tables Harbor's migrations make (not Django's, nor the libraries',
    nor a many-to-many's automatic table)."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in HARBOR_APPS
        and model._meta.managed
        and not model._meta.auto_created
    ]
