"""Approximate name matching over keyed tokens: names stay encrypted.

A name is normalised (diacritics stripped, lower-cased, romanisation variants folded,
repeated letters collapsed) and split into parts; Chinese, Japanese and Korean
characters form one part compared as character bigrams. Each part is stored as one
keyed token (privacy-preserving record linkage): a 192-bit Bloom filter of its
padded character bigrams, each bit set through an HMAC, followed by a truncated HMAC
of its consonant skeleton (a phonetic code). Blocking reads those codes: only people
sharing enough of them with the query are scored (`blocking_codes`). Nothing here can be
turned back into the name without the key.

Similarity of two names: each part finds its best counterpart in the other name
(word order does not matter); a part pair scores the Dice coefficient of their Bloom
filters, or PHONETIC_SCORE when their phonetic codes agree and their bigrams overlap
(typos, transpositions, vowel variants). The name score is the mean coverage in both
directions; a search scores how well the query is covered by the candidate.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings

BLOOM_BITS = 160
BLOOM_HASHES = 3
CODE_HEX = 11
ANAGRAM_SCORE = 0.9
PHONETIC_SCORE = 0.85
# Below this a part pair counts as different (Lan/Lien, Zhang/Wang, Tuan/Quan).
PART_THRESHOLD = 0.7
MATCH_THRESHOLD = 0.75

# Folded spelling variants, applied in order to each ASCII name part. Indonesian old
# spelling (oe/dj/tj/sj/nj), Chinese Wade-Giles to one class with pinyin
# (syllable-initial hs/x and ts/tz/z/c; ch/zh/j/q), Thai and Vietnamese ph/p/f,
# th/t, kh/k, v/w.
_SYLLABLE_START = [("hs", "x"), ("tsz", "c"), ("ts", "c"), ("tz", "c"), ("z", "c")]
_VARIANTS = [
    ("oe", "u"),
    ("dj", "j"),
    ("tj", "c"),
    ("sj", "sy"),
    ("nj", "ny"),
    ("zh", "j"),
    ("ch", "j"),
    ("q", "j"),
    ("ph", "p"),
    ("f", "p"),
    ("th", "t"),
    ("kh", "k"),
    ("bh", "b"),
    ("dh", "d"),
    ("gh", "g"),
    ("v", "w"),
    ("ee", "i"),
    ("ou", "u"),
]
_LETTERS_OUTSIDE_NFKD = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss"})
_SILENT = set("aeiouyhw")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # Han
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


def _fold(part: str) -> str:
    decomposed = unicodedata.normalize("NFKD", part.casefold().translate(_LETTERS_OUTSIDE_NFKD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # NFC puts Hangul syllables back together after NFKD split them into jamo.
    return "".join(ch for ch in unicodedata.normalize("NFC", stripped) if ch.isalnum())


def _canonical(syllable: str) -> str:
    if syllable.isascii():
        for variant, canonical in _SYLLABLE_START:
            if syllable.startswith(variant):
                syllable = canonical + syllable[len(variant) :]
                break
        syllable = syllable.replace("zh", "j")
        for variant, canonical in _VARIANTS:
            syllable = syllable.replace(variant, canonical)
    return syllable


def name_parts(name: str) -> list[str]:
    """The normalised parts of a name; CJK characters run together into one part."""
    parts: list[str] = []
    cjk = ""
    # A hyphen joins syllables (Wade-Giles "Ming-yu" is pinyin "Mingyu"); spaces split.
    for raw in re.split(r"[\s,./]+", name):
        syllables = [_fold(syllable) for syllable in raw.split("-")]
        folded = "".join(syllables)
        if not folded:
            continue
        if all(_is_cjk(ch) for ch in folded):
            cjk += folded
            continue
        joined = "".join(_canonical(syllable) for syllable in syllables if syllable)
        parts.append(re.sub(r"(.)\1+", r"\1", joined))
    if cjk:
        parts.append(cjk)
    return parts


def bigrams(part: str) -> set[str]:
    padded = f"^{part}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def phonetic(part: str) -> str:
    """First letter and consonant skeleton: vowels, h, w and y after the first letter go."""
    if any(_is_cjk(ch) for ch in part):
        return part
    skeleton = part[0] + "".join(ch for ch in part[1:] if ch not in _SILENT)
    return re.sub(r"(.)\1+", r"\1", skeleton)


def anagram(part: str) -> str:
    """First letter and the rest sorted: a transposition (Ngyuen, Tset) keeps it."""
    return part[:1] + "".join(sorted(part[1:]))


def _hmac(kind: str, value: str) -> bytes:
    key = settings.HARBOR_BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).digest()


def part_token(part: str, name_index: int = 0) -> str:
    """The keyed token of one name part: which name (of a person's names) it belongs to,
    its Bloom filter and its truncated phonetic HMAC, as 64 hex characters."""
    bloom = 0
    for gram in bigrams(part):
        digest = _hmac("name_bloom", gram)
        for i in range(BLOOM_HASHES):
            bloom |= 1 << (int.from_bytes(digest[4 * i : 4 * i + 4], "big") % BLOOM_BITS)
    code = _hmac("name_phonetic", phonetic(part)).hex()[:CODE_HEX]
    letters = _hmac("name_anagram", anagram(part)).hex()[:CODE_HEX]
    return f"{name_index % 256:02x}{bloom:0{BLOOM_BITS // 4}x}{code}{letters}"


def name_tokens(names: Iterable[str]) -> set[str]:
    """The keyed part tokens of each of a person's names (legal name, aliases)."""
    return {
        part_token(part, index) for index, name in enumerate(names) for part in name_parts(name)
    }


def by_name(tokens: Iterable[str]) -> list[list[str]]:
    """Part tokens grouped back into the names they came from."""
    groups: dict[str, list[str]] = {}
    for token in tokens:
        groups.setdefault(token[:2], []).append(token)
    return list(groups.values())


_BLOOM_END = 2 + BLOOM_BITS // 4
_CODE_END = _BLOOM_END + CODE_HEX
# Where a part token's phonetic code sits, counted from 1 as SQL's SUBSTRING does: the
# blocking reads it there (victims.selectors.similar_names, the index of migration 0013).
PHONETIC_START = _BLOOM_END + 1


def phonetic_code(token: str) -> str:
    """The keyed phonetic code of a part token: equal for parts that sound alike."""
    return token[_BLOOM_END:_CODE_END]


def blocking_codes(tokens: Iterable[str]) -> list[set[str]]:
    """The phonetic codes of each name's parts: what blocking compares.

    A candidate is scored only when it shares enough of one name's codes (codes_needed):
    a matching part nearly always keeps its phonetic code (vowels, doubled letters,
    transpositions and folded spellings do), and a part's code is far rarer than its
    bigrams, so blocking on codes reads few rows however common the letters are.
    """
    return [{phonetic_code(token) for token in name} for name in by_name(tokens)]


def codes_needed(codes: set[str]) -> int:
    """How many of a name's distinct phonetic codes a candidate must share.

    A match covers every part of a name of one or two parts and all but one of a
    longer name (MATCH_THRESHOLD), so a longer name tolerates one part misspelt beyond
    its phonetic code.
    """
    return len(codes) if len(codes) < 3 else len(codes) - 1


def _part_similarity(a: str, b: str) -> float:
    bloom_a, bloom_b = int(a[2:_BLOOM_END], 16), int(b[2:_BLOOM_END], 16)
    total = bloom_a.bit_count() + bloom_b.bit_count()
    dice = 2 * (bloom_a & bloom_b).bit_count() / total if total else 0.0
    if a[_CODE_END:] == b[_CODE_END:]:
        dice = max(dice, ANAGRAM_SCORE)
    elif a[_BLOOM_END:_CODE_END] == b[_BLOOM_END:_CODE_END] and dice >= 0.5:
        dice = max(dice, PHONETIC_SCORE)
    return dice if dice >= PART_THRESHOLD else 0.0


def _matched(a: list[str], b: list[str]) -> float:
    """Sum of part similarities, each part paired at most once (greedy, best first)."""
    scored = sorted(
        ((_part_similarity(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    total = 0.0
    for score, i, j in scored:
        if score and i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            total += score
    return total


def coverage(query: Iterable[str], candidate: Iterable[str]) -> float:
    """How well the query's parts are matched by the candidate's, one to one (0..1)."""
    query, candidate = list(query), list(candidate)
    if not query or not candidate:
        return 0.0
    return _matched(query, candidate) / len(query)


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Symmetric score of two names' part tokens: the duplicate check's measure."""
    a, b = list(a), list(b)
    if not a or not b:
        return 0.0
    matched = _matched(a, b)
    return (matched / len(a) + matched / len(b)) / 2


def best_similarity(query: Iterable[str], candidate: Iterable[str]) -> float:
    """The best symmetric score between any of the query's and the candidate's names."""
    return max((similarity(q, c) for q in by_name(query) for c in by_name(candidate)), default=0.0)


def best_coverage(query: Iterable[str], candidate: Iterable[str]) -> float:
    """How well the query (one name, possibly partial) is covered by any candidate name."""
    return max((coverage(query, c) for c in by_name(candidate)), default=0.0)


def names_match(first: str, second: str) -> bool:
    """Whether two clear names would be reported as the same person."""
    return similarity(name_tokens([first]), name_tokens([second])) >= MATCH_THRESHOLD
