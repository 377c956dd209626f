"""The approximate name matcher over keyed tokens, measured on a fixed set of name pairs."""

from __future__ import annotations

import pytest

from tests.victims.name_pairs import MATCHES, NON_MATCHES, PAIRS
from victims import matching


def test_the_pair_set_is_large_enough_and_fixed():
    assert len(PAIRS) >= 200
    assert len(MATCHES) >= 100
    assert len(NON_MATCHES) >= 100


def test_matcher_precision_and_recall_on_the_name_pairs(record_property):
    found = {(a, b): matching.names_match(a, b) for a, b, _same in PAIRS}
    true_pos = sum(1 for a, b, same in PAIRS if same and found[a, b])
    false_pos = sum(1 for a, b, same in PAIRS if not same and found[a, b])
    false_neg = sum(1 for a, b, same in PAIRS if same and not found[a, b])
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    summary = f"name matcher on {len(PAIRS)} pairs: precision {precision:.3f}, recall {recall:.3f}"
    record_property("summary", summary)  # printed by tests/conftest.py at the end of the run
    assert recall >= 0.95
    assert precision >= 0.9


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Nguyễn Văn Test", "Ngyuen Van Test"),
        ("Nguyễn Văn Test", "test nguyen van"),
        ("Zhang Wei", "Chang Wei"),
        ("Soekarno Wibowo", "Sukarno Wibowo"),
        ("Somchai Phongphaew", "Somchai Pongpaew"),
        ("王小明", "王 小明"),
    ],
)
def test_variants_of_one_name_match(first, second):
    assert matching.names_match(first, second)


def test_tokens_are_keyed_and_hold_no_clear_name(settings):
    tokens = matching.name_tokens(["Nguyễn Văn Test"])
    assert all(len(token) == 64 and "nguyen" not in token for token in tokens)
    settings.HARBOR_BLIND_INDEX_KEY = "another key entirely, for this test only"
    assert not tokens & matching.name_tokens(["Nguyễn Văn Test"])


def test_different_given_names_in_one_family_do_not_match():
    assert not matching.names_match("Nguyen Van An", "Nguyen Van Binh")
