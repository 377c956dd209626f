"""Optimistic locking: a save made from a stale form is refused, never merged.

Every editable record of consequence carries `version`, `updated_at` and
`updated_by` (`locking.models.VersionedModel`). A form sends back the version it
was opened with (`locking.forms.VersionedModelForm`); the service calls
`claim_version` inside its transaction before writing; the view answers a stale
edit with a message (`locking.views.save_or_stale`).

This module imports no model or form code, so any layer may import it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _


class StaleEditError(Exception):
    """Somebody else saved the record after this form was opened."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance
        who = getattr(instance, "updated_by", None)
        when = getattr(instance, "updated_at", None)
        local_when = (
            formats.date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else ""
        )
        super().__init__(
            _(
                "%(who)s changed this record at %(when)s, after you opened it. "
                "Your changes were not saved; reload the page to see theirs."
            )
            % {"who": who or _("Someone"), "when": local_when}
        )


def claim_version(instance: models.Model, expected_version: int) -> None:
    """Lock the row, check nobody saved since `expected_version`, bump the version.

    Call inside `transaction.atomic()`; the caller then saves its other fields.
    """
    model = type(instance)
    # Any: the versioned fields are the subclass's (`locking.models.VersionedModel`).
    current: Any = (
        model._default_manager.select_for_update(of=("self",))
        .select_related("updated_by")
        .only("version", "updated_at", "updated_by")
        .get(pk=instance.pk)
    )
    if current.version != expected_version:
        raise StaleEditError(current)
    instance.version = current.version + 1  # type: ignore[attr-defined]
