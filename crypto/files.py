"""Files encrypted at rest: one random data key per file, wrapped by the field keys.

A stored file is a 13-byte header (magic, version, chunk size, nonce prefix) followed
by AES-256-GCM chunks of CHUNK_SIZE plaintext bytes (the last one shorter, possibly
empty), each carrying its 16-byte tag. A chunk's nonce is the file's random 4-byte
prefix and its 8-byte index; its associated data is the header, the index and a
"last" flag, so a reordered, truncated, extended or re-headed file fails to open.

The data key is wrapped with the field keys (a Fernet token kept on the record), so key
rotation re-wraps the small token and never rewrites a file body (`rewrap`).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files import File
from django.db import models

from crypto import DecryptionError, decrypt_bytes, encrypt_bytes, rotate

MAGIC = b"HBRF"
VERSION = 1
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
_HEADER = struct.Struct(">4sBI4s")  # magic, version, chunk size, nonce prefix
_MAX_CHUNK_SIZE = 16 * 1024 * 1024


class WrappedKeyField(models.TextField):
    """A file's data key wrapped by the field keys (a Fernet token): `rotate_keys` finds
    every such column and re-wraps it; empty only for a body not yet encrypted."""


def new_data_key() -> tuple[bytes, str]:
    """A fresh 256-bit data key and its form wrapped by the field keys (first key)."""
    key = AESGCM.generate_key(bit_length=256)
    return key, encrypt_bytes(key).decode("ascii")


def unwrap(wrapped_key: str) -> bytes:
    if not wrapped_key:
        raise DecryptionError("The file has no wrapped data key.")
    key = decrypt_bytes(wrapped_key.encode("ascii"))
    if len(key) != 32:
        raise DecryptionError("The wrapped data key is malformed.")
    return key


def rewrap(wrapped_key: str) -> str:
    """The same data key wrapped by the first field key: the file body stays as it is."""
    return rotate(wrapped_key)


def encrypted_size(plaintext_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    chunks = max(1, -(-plaintext_size // chunk_size))
    return _HEADER.size + plaintext_size + chunks * TAG_SIZE


def _read_exact(src: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = src.read(size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _associated_data(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, last)


def encrypt_chunks(
    src: IO[bytes], data_key: bytes, chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """The header, then each encrypted chunk of `src` (read one chunk ahead, never whole)."""
    prefix = os.urandom(4)
    header = _HEADER.pack(MAGIC, VERSION, chunk_size, prefix)
    yield header
    aead = AESGCM(data_key)
    current = _read_exact(src, chunk_size)
    index = 0
    while True:
        following = _read_exact(src, chunk_size)
        last = not following
        nonce = prefix + struct.pack(">Q", index)
        yield aead.encrypt(nonce, current, _associated_data(header, index, last))
        if last:
            return
        current, index = following, index + 1


def _decrypt_chunks(src: IO[bytes], data_key: bytes) -> Iterator[bytes]:
    header = _read_exact(src, _HEADER.size)
    if len(header) != _HEADER.size:
        raise DecryptionError("The encrypted file is truncated.")
    magic, version, chunk_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC or version != VERSION or not 0 < chunk_size <= _MAX_CHUNK_SIZE:
        raise DecryptionError("The file is not in Harbor's encrypted format.")
    aead = AESGCM(data_key)
    stored_size = chunk_size + TAG_SIZE
    current = _read_exact(src, stored_size)
    index = 0
    while True:
        following = _read_exact(src, stored_size)
        last = not following
        nonce = prefix + struct.pack(">Q", index)
        try:
            yield aead.decrypt(nonce, current, _associated_data(header, index, last))
        except InvalidTag:
            raise DecryptionError("The encrypted file is damaged or truncated.") from None
        if last:
            return
        current, index = following, index + 1


def encrypt_stream(src: IO[bytes], dst: IO[bytes]) -> str:
    """Write `src` encrypted under a new data key to `dst`; return the wrapped key."""
    data_key, wrapped_key = new_data_key()
    for piece in encrypt_chunks(src, data_key):
        dst.write(piece)
    return wrapped_key


def verify_stream(src: IO[bytes], wrapped_key: str) -> None:
    """Authenticate every chunk of `src` without keeping any plaintext; DecryptionError if not."""
    for _chunk in _decrypt_chunks(src, unwrap(wrapped_key)):
        pass


def decrypt_stream(src: IO[bytes], wrapped_key: str) -> Iterator[bytes]:
    """The plaintext of `src`, chunk by chunk, for a streamed download.

    The whole file is authenticated first (one pass, no plaintext kept), so a damaged or
    truncated file raises DecryptionError here, before any byte can be sent as a
    success. The returned iterator owns `src` and closes it when done or closed.
    """
    try:
        data_key = unwrap(wrapped_key)
        for _chunk in _decrypt_chunks(src, data_key):
            pass
        src.seek(0)
    except BaseException:
        src.close()
        raise
    return _closing(_decrypt_chunks(src, data_key), src)


def _closing(chunks: Iterator[bytes], src: IO[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        src.close()


def encrypt_blob(plaintext: bytes) -> tuple[bytes, str]:
    """A small body (a photo kept in the database) in the same format: (ciphertext, wrapped)."""
    out = io.BytesIO()
    wrapped_key = encrypt_stream(io.BytesIO(plaintext), out)
    return out.getvalue(), wrapped_key


def decrypt_blob(ciphertext: bytes, wrapped_key: str) -> bytes:
    return b"".join(_decrypt_chunks(io.BytesIO(bytes(ciphertext)), unwrap(wrapped_key)))


class EncryptingFile(File):
    """What storage.save writes for an upload: its encrypted form, produced chunk by chunk.

    The plaintext source (an in-memory upload) is never written anywhere; `wrapped_key`
    belongs on the record that names the stored file.
    """

    def __init__(self, source: IO[bytes], name: str | None, plaintext_size: int) -> None:
        super().__init__(source, name)
        self._source = source
        self._data_key, self.wrapped_key = new_data_key()
        self.size = encrypted_size(plaintext_size)
        self._pending: Iterator[bytes] | None = None
        self._buffer = b""

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        self._source.seek(0)
        return encrypt_chunks(self._source, self._data_key)

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True

    def __iter__(self) -> Any:
        return self.chunks()

    def seek(self, offset: int, whence: int = 0) -> int:
        # Storages that read rather than iterate start over from the beginning only.
        if (offset, whence) != (0, 0):
            raise io.UnsupportedOperation("An encrypting file only seeks to its start.")
        self._pending, self._buffer = None, b""
        return 0

    def read(self, size: int = -1) -> bytes:
        if self._pending is None:
            self._pending = self.chunks()
        while size < 0 or len(self._buffer) < size:
            piece = next(self._pending, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
