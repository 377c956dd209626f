"""A subject access package: everything Harbor holds about one person, for them.

"Everything" is read the way a purge reads it (`privacy.purge.plan_purge`): the person
and every row they own, transitively (cases, services, decisions, screenings and
answers, notes, referrals, consent records, history rows), plus the person's own
history versions and the attachments' files, decrypted. The package is a ZIP, AES-256
encrypted with a passphrase given at download (pyzipper), holding `summary.html`
(readable, rendered escaped) and `data.json` (machine-readable).
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyzipper
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Attachment, CriminalExposure
from crypto.files import decrypt_blob, decrypt_stream
from privacy.purge import plan_purge
from victims.models import Person, PersonPhoto


@dataclass
class Section:
    """One kind of record in the package: a table's rows, fields by their labels."""

    key: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def _value(row: models.Model, model_field: models.Field) -> Any:
    if model_field.is_relation:
        related_id = getattr(row, model_field.attname)
        if related_id is None:
            return None
        if model_field.related_model is User:
            # Staff are named by id only: the package is the person's data, not the staff's.
            return f"staff #{related_id}"
        return str(getattr(row, model_field.name))
    value = model_field.value_from_object(row)
    labels = dict(getattr(model_field, "flatchoices", None) or ())
    if labels and isinstance(value, str):
        return str(labels.get(value, value))
    return _plain(value)


def _plain(value: Any) -> Any:
    """A value JSON and the summary can show: countries by name, collections as lists."""
    if value is None or isinstance(
        value, str | int | float | datetime.date | decimal.Decimal | uuid.UUID | dict
    ):
        return value
    if hasattr(value, "code") and hasattr(value, "name"):  # a django-countries Country
        return str(value.name)
    if isinstance(value, Iterable):
        return [_plain(item) for item in value]
    return str(value)


def _row(row: models.Model, model: type[models.Model]) -> dict[str, Any]:
    values = {}
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, models.BinaryField | models.FileField) or (
            model_field.name == "wrapped_key"
        ):
            continue  # photo ciphertext, storage paths, data keys: not the person's data
        values[str(capfirst(model_field.verbose_name))] = _value(row, model_field)
    return values


def collect(person: Person) -> list[Section]:
    """Every row Harbor holds about `person`, decrypted, one section per kind."""
    plan = plan_purge([person])
    sections = []
    for model in sorted(plan.rows, key=lambda model: model._meta.label_lower):
        rows = model._base_manager.filter(pk__in=plan.rows[model]).order_by("pk")
        sections.append(
            Section(
                key=model._meta.label_lower,
                title=str(capfirst(model._meta.verbose_name_plural)),
                rows=[_row(row, model) for row in rows],
            )
        )
    history = person.history.model
    sections.append(
        Section(
            key=history._meta.label_lower,
            title=str(capfirst(history._meta.verbose_name_plural)),
            rows=[_row(row, history) for row in person.history.order_by("history_id")],
        )
    )
    return sections


def _attachments(person: Person) -> list[tuple[str, bytes]]:
    files = []
    for attachment in Attachment._base_manager.filter(case__person=person).order_by("pk"):
        with attachment.file.open("rb") as stored:
            if attachment.wrapped_key:
                body = b"".join(decrypt_stream(stored, attachment.wrapped_key))
            else:
                body = stored.read()  # stored before encryption at rest
        # ZIP encryption hides contents, not names: the entry is named by id only, the
        # original name is in the (encrypted) summary and JSON.
        suffix = re.sub(r"[^a-z0-9]", "", attachment.original_name.rpartition(".")[2].lower())
        files.append((f"files/attachment-{attachment.pk}.{suffix[:8] or 'bin'}", body))
    photo = PersonPhoto.objects.filter(person=person).first()
    if photo is not None:
        files.append(("files/photo.jpg", decrypt_blob(photo.ciphertext, photo.wrapped_key)))
    return files


def _non_punishment(matters: list[CriminalExposure]) -> dict[str, Any]:
    """The non-punishment warning of the package: whether it applies, and each matter."""
    return {
        "applies": bool(matters),
        "matters": [
            {
                "role": str(matter.get_role_display()),
                "case_numbers": matter.case_numbers,
                "stage": str(matter.get_stage_display()),
                "requested_on": matter.non_punishment_requested_on,
                "requested_by": str(matter.get_requested_by_display()),
                "decided_on": matter.decided_on,
                "authority": str(matter.get_decision_authority_display()),
                "decision_reference": matter.decision_reference,
            }
            for matter in matters
        ],
    }


def build_package(person: Person, *, actor: User, passphrase: str) -> bytes:
    """The person's package as AES-256 encrypted ZIP bytes; audited (EXPORT, the
    person's id; never the passphrase). The caller checks the actor may see the person
    and holds PRODUCES_SUBJECT_ACCESS."""
    sections = collect(person)
    files = _attachments(person)
    produced_at = timezone.now()
    matters = list(CriminalExposure.objects.of_person(person.pk).for_warning(None))
    data = {
        "person": person.code,
        "produced_at": produced_at,
        "non_punishment": _non_punishment(matters),
        "sections": {section.key: section.rows for section in sections},
        "files": [name for name, _body in files],
    }
    context = {
        "person": person,
        "sections": sections,
        "files": files,
        "produced_at": produced_at,
        "matters": matters,
    }
    summary = render_to_string("privacy/subject_access_summary.html", context)
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as package:
        package.setpassword(passphrase.encode("utf-8"))
        package.setencryption(pyzipper.WZ_AES, nbits=256)
        package.writestr("summary.html", summary)
        package.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        for name, body in files:
            package.writestr(name, body)
    with transaction.atomic():
        record_event(actor=actor, action=AuditEvent.Action.EXPORT, target=person)
    return buffer.getvalue()
