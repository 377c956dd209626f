"""The fields every versioned record carries (see `locking.claim_version`), and who created it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    """A record edited through forms that may go stale: version, last editor, last save.

    The definitions are those the domain models already had, so a model that
    subclasses this base (and drops its own three fields) needs no migration.
    `created_at` is not here: several versioned records have none.
    """

    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class CreatedModel(models.Model):
    """A record that keeps who created it and when (never edited through a form).

    Copied from the domain models that had exactly these two fields, so subclassing
    needs no migration; a model whose `created_by` differs redeclares it.
    """

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )

    class Meta:
        abstract = True
