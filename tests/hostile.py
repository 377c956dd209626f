"""Hostile input for the bad-input tests of every form (SECURITY.md, "Bad input").

Browsers send bytes; a lone surrogate cannot be encoded as UTF-8 by Django's test
client, so requests are encoded here with `surrogatepass`, as a hostile client
would send them.
"""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.test import Client

HOSTILE = {
    "unicode": "Ünïcödé 測試 ✓",
    "rtl": "\u202eevil\u202c مرحبا",
    "emoji": "🙂🏳️‍🌈" * 10,
    "nul": "bad\x00value",
    "lone_surrogate": "bad\ud800value",
    "megabyte": "x" * 1_000_000,
    "huge_number": "9" * 400,
    "impossible_date": "2026-02-30",
    "script": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE accounts_user; --",
}


def _encode(data: dict) -> str:
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass")


def post_raw(client: Client, url: str, data: dict) -> HttpResponse:
    return client.post(url, _encode(data), content_type="application/x-www-form-urlencoded")


def get_raw(client: Client, url: str, data: dict) -> HttpResponse:
    return client.get(f"{url}?{_encode(data)}")
