"""Uploaded files stay in memory: never a plaintext temporary file on disk.

Django's default handlers spool a large upload to the system temp folder; a worker
killed mid-request leaves that plaintext copy of a victim's document there forever.
Settings make `MemoryOnlyUploadHandler` the only handler (FILE_UPLOAD_HANDLERS).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import MemoryFileUploadHandler


class MemoryOnlyUploadHandler(MemoryFileUploadHandler):
    """Django's in-memory handler, refusing what it cannot hold instead of passing it on.

    A request body larger than FILE_UPLOAD_MAX_MEMORY_SIZE (or of unknown size) raises
    RequestDataTooBig, which Django answers with a 400 before any view runs.
    """

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        super().handle_raw_input(input_data, META, content_length, boundary, encoding)
        if not self.activated:
            raise RequestDataTooBig(
                f"Upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE "
                f"({settings.FILE_UPLOAD_MAX_MEMORY_SIZE} bytes) refused."
            )
