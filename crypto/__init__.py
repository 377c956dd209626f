"""Field encryption and blind indexes for identifying data.

Values are encrypted with MultiFernet built from settings.HARBOR_FIELD_KEYS (the
first key encrypts, every key decrypts, so keys can be rotated). Exact-match
lookups use an HMAC-SHA256 of a normalised value keyed by
settings.HARBOR_BLIND_INDEX_KEY. A value that cannot be decrypted raises
DecryptionError: never guess, never return the ciphertext.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.text import capfirst

from widgets import DateField

SENTINEL_PLAINTEXT = "harbor-field-encryption-sentinel"


class DecryptionError(Exception):
    """Stored ciphertext does not open with any configured key."""


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "HARBOR_FIELD_KEYS must hold 32-byte url-safe base64 Fernet keys."
        ) from None


def fernet() -> MultiFernet:
    # Read on each call (cached per key tuple) so a settings override in tests applies.
    return _fernet_for(tuple(settings.HARBOR_FIELD_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        # No value in the message: it might end up in a log.
        raise DecryptionError("An encrypted field could not be decrypted with any key.") from None


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return fernet().decrypt(bytes(token))
    except InvalidToken:
        raise DecryptionError("Encrypted content could not be decrypted with any key.") from None


def rotate(token: str) -> str:
    """The same value encrypted with the first key; DecryptionError if no key opens it."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise DecryptionError("An encrypted value could not be decrypted with any key.") from None


def under_first_key(token: str) -> bool:
    """Whether the first key alone opens `token`: rotation has nothing to do for it."""
    first = _fernet_for(tuple(settings.HARBOR_FIELD_KEYS[:1]))
    try:
        first.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def blind_index(kind: str, normalised: str) -> str:
    """A keyed hash of an already-normalised value, namespaced by `kind`."""
    key = settings.HARBOR_BLIND_INDEX_KEY.encode()
    message = f"{kind}\x1f{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- Normalisation: how "the same" name or document is recognised -----------

# A few romanisation variants folded to one spelling (after ASCII folding).
_ROMANISATION = [("ph", "f"), ("kh", "k"), ("dh", "d"), ("th", "t"), ("ou", "u"), ("ee", "i")]


def fold(text: str) -> str:
    """Lower-case, strip diacritics (NFKD), keep letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in stripped.casefold() if ch.isalnum())


def name_tokens(name: str) -> list[str]:
    return sorted(token for token in (fold(part) for part in re.split(r"[\s\-,.]+", name)) if token)


def name_key(name: str) -> str:
    """Order-, case-, space- and diacritics-insensitive key: "Van A Nguyễn" == "nguyen van a"."""
    key = "".join(name_tokens(name))
    for variant, canonical in _ROMANISATION:
        key = key.replace(variant, canonical)
    return re.sub(r"(.)\1+", r"\1", key)


def document_key(number: str) -> str:
    return fold(number).upper()


# --- Model fields -----------------------------------------------------------


class EncryptedField(models.TextField):
    """Stores Fernet ciphertext in a text column; Python sees the clear value.

    Only `isnull` / exact-empty lookups make sense on it: search goes through a
    blind index.
    """

    def to_clear_text(self, value) -> str:
        return str(value)

    def from_clear_text(self, value: str):
        return value

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return self.empty_python_value(value)
        return self.from_clear_text(decrypt(value))

    def empty_python_value(self, value):
        return value

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return encrypt(self.to_clear_text(value))

    def to_python(self, value):
        return value


class EncryptedTextField(EncryptedField):
    pass


class EncryptedCharField(EncryptedTextField):
    """A one-line value (a title, a name): a text input, max_length checked on the clear value.

    The column is text (the ciphertext is longer than the value); the model keeps the
    length rule of the CharField it replaces.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs: Any) -> forms.Field | None:  # type: ignore[override]
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class EncryptedDateField(EncryptedField):
    """A date stored encrypted as ISO text; `null=True` for unknown."""

    # The attribute types django-stubs reads: Python sees a date, not the stored text
    # (narrowing TextField's str the way django-stubs' own NullBooleanField does).
    _pyi_private_set_type: datetime.date | str | None  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date | None  # type: ignore[assignment]

    def to_clear_text(self, value) -> str:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return value.isoformat()

    def from_clear_text(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)

    def empty_python_value(self, value):
        return None

    def to_python(self, value):
        if value in (None, "") or isinstance(value, datetime.date):
            return value or None
        return datetime.date.fromisoformat(str(value))

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field:
        # Django's own fields capitalise the label the same way (Field.formfield).
        return DateField(
            required=not self.blank, label=capfirst(self.verbose_name), help_text=self.help_text
        )
