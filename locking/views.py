"""The one way a view saves a versioned record and answers a stale edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from locking import StaleEditError
from locking.forms import expected_version

SAVED = _("Saved.")


def save_or_stale(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[..., Any],
    *args: Any,
    saved: str | Promise = SAVED,
    **kwargs: Any,
) -> bool:
    """Save a valid edit form through its service; True when saved, False otherwise.

    Returns False at once for an unbound or invalid form (the view re-renders it).
    Otherwise calls `save(*args, actor=request.user, expected_version=…, **kwargs)`;
    a ModelForm given no `args` passes `form.save(commit=False)`. A StaleEditError
    becomes an error message on the page (nothing was written); success adds the
    `saved` message. Arguments computed from cleaned data need `form.is_valid()`
    tested first (`if form.is_valid() and save_or_stale(...)`). A view body reads::

        form = CaseForm(request.POST or None, instance=case)
        if save_or_stale(request, form, services.update_case, saved=_("Case saved.")):
            return redirect(case)
        return render(request, "cases/case_form.html", {"form": form})
    """
    if not (form.is_bound and form.is_valid()):
        return False
    if not args and isinstance(form, forms.BaseModelForm):
        args = (form.save(commit=False),)
    try:
        save(*args, actor=request.user, expected_version=expected_version(form), **kwargs)
    except StaleEditError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, str(saved))
    return True
