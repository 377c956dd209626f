"""The search stays bounded at national scale: it ranks the best matches of the user's
scope, blocks on phonetic codes, and still forgives one misspelt part of a long name."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CaseFactory, PersonFactory
from victims import matching, selectors

pytestmark = pytest.mark.django_db

URL = reverse("search:results")


def _person(agency, worker, name: str):
    person = PersonFactory(agency=agency, legal_name=name)
    CaseFactory(agency=agency, person=person, created_by=worker, caseworkers=[worker])
    return person


def _people(client, query: str) -> list:
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return [person for person, _name in response.context["rows"]]


def test_exact_names_rank_before_similar_ones(login, caseworker, agency_a):
    similar = _person(agency_a, caseworker, "Tran Thi Sampel")
    exact = _person(agency_a, caseworker, "Tran Thi Sample")
    assert _people(login(caseworker), "Tran Thi Sample") == [exact, similar]


def test_one_part_misspelt_beyond_its_sound_is_forgiven_in_a_long_name(login, caseworker, agency_a):
    person = _person(agency_a, caseworker, "Nguyen Van Testing")
    assert _people(login(caseworker), "Nguyen Van Tesding") == [person]


def test_only_the_best_matches_are_ranked(login, caseworker, agency_a, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    people = [_person(agency_a, caseworker, "Tran Thi Sample") for _ in range(3)]
    client = login(caseworker)
    found = _people(client, "Tran Thi Sample")
    assert len(found) == 2
    assert set(found) < set(people)
    assert "The best 2 matches are shown" in client.get(URL, {"q": "Tran Thi Sample"}).text


@pytest.mark.parametrize("reader", ["caseworker", "supervisor"])
def test_a_name_many_people_share_is_read_only_as_far_as_the_ranking_needs(
    login, caseworker, supervisor, agency_a, monkeypatch, reader
):
    """Exact matches tie and rank by id: the search reads the first MAX_RESULTS + 1 of
    them by id (one more says that more matched), never every namesake of the country:
    a caseworker's among the people of their scope, read once; a supervisor's through
    the agency's scope."""
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    people = [_person(agency_a, caseworker, "Tran Thi Sample") for _ in range(4)]
    client = login(caseworker if reader == "caseworker" else supervisor)
    with CaptureQueriesContext(connection) as queries:
        found = _people(client, "Tran Thi Sample")
    assert found == sorted(people, key=lambda person: person.pk)[:2]
    exact = [q["sql"] for q in queries.captured_queries if "\"kind\" IN ('document'" in q["sql"]]
    assert exact and all(sql.rstrip().endswith("LIMIT 3") for sql in exact), exact
    assert "The best 2 matches are shown" in client.get(URL, {"q": "Tran Thi Sample"}).text


def test_people_found_by_code_alone_are_not_said_to_be_ranked(
    login, caseworker, agency_a, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    people = [_person(agency_a, caseworker, "Tran Thi Sample") for _ in range(3)]
    prefix = people[0].code.rsplit("-", 1)[0]
    response = login(caseworker).get(URL, {"q": prefix})
    assert len(response.context["rows"]) == 3
    assert "matches are shown" not in response.text


def test_no_note_on_ranking_when_every_match_is_shown(login, caseworker, agency_a):
    _person(agency_a, caseworker, "Tran Thi Sample")
    response = login(caseworker).get(URL, {"q": "Tran Thi Sample"})
    assert response.context["rows"]
    assert "matches are shown" not in response.text


def test_namesakes_in_another_agency_never_take_the_places_of_ones_own(
    login, caseworker, outsider, agency_a, agency_b, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_RESULTS", 1)
    _person(agency_b, outsider, "Tran Thi Sample")
    _person(agency_b, outsider, "Tran Thi Sampel")
    own = _person(agency_a, caseworker, "Tran Thi Sampel")
    assert _people(login(caseworker), "Tran Thi Sample") == [own]


def test_the_duplicate_check_blocks_on_each_name_of_the_person(caseworker, agency_a):
    person = _person(agency_a, caseworker, "Somchai Phongphaew")
    digests = selectors.lookup_digests(
        names=["Zhang Wei Ming", "Somchai Pongpaew"], date_of_birth=None, documents=[]
    )
    assert [found for found, _why in selectors.possible_duplicates(caseworker, digests)] == [person]


@pytest.mark.parametrize(("parts", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3)])
def test_a_long_name_needs_all_but_one_phonetic_code(parts, needed):
    name = " ".join(["Anh", "Binh", "Chau", "Dung"][:parts])
    [codes] = matching.blocking_codes(matching.name_tokens([name]))
    assert matching.codes_needed(codes) == needed


def test_at_scale_similar_names_are_read_among_the_newest_people_exact_ones_among_all(
    login, caseworker, supervisor, agency_a, monkeypatch
):
    """A whole-agency reader's scope is most of a national caseload: the matcher reads
    the newest people sharing the codes, then keeps the visible ones."""
    monkeypatch.setattr(selectors, "SCAN_ROWS", 1)
    older_exact = _person(agency_a, caseworker, "Tran Thi Sample")
    older_similar = _person(agency_a, caseworker, "Tran Thi Sampel")
    newer_similar = _person(agency_a, caseworker, "Tran Thi Sampel")
    found = _people(login(supervisor), "Tran Thi Sample")
    assert found == [older_exact, newer_similar]
    assert older_similar not in found


def test_a_family_name_alone_scores_only_the_newest_of_a_whole_agencys_bearers(
    login, caseworker, supervisor, outsider, agency_a, agency_b, monkeypatch
):
    """One phonetic code ranks its candidates newest first: a whole-agency reader's
    search scores the newest MAX_SCORED of their own (the scope applied before the cut,
    so another agency's newer bearers take no place), not every bearer in the window."""
    monkeypatch.setattr(selectors, "MAX_SCORED", 2)
    oldest, older, newest = (_person(agency_a, caseworker, "Tran Thi Sample") for _ in range(3))
    _person(agency_b, outsider, "Hoa Sample")  # newest of all, and not theirs
    assert _people(login(supervisor), "Sample") == [older, newest]
    # A whole name is not cut so: its candidates rank by the codes they share first.
    assert set(_people(login(supervisor), "Tran Thi Sample")) == {oldest, older, newest}


def test_a_caseworker_finds_every_similar_name_of_their_own_however_common_it_is(
    login, caseworker, outsider, agency_a, agency_b, monkeypatch
):
    """A caseworker's scope is their caseload: the matcher reads those people's names,
    not the country's newest namesakes, among whom their own older ones were lost."""
    monkeypatch.setattr(selectors, "SCAN_ROWS", 1)
    older_exact = _person(agency_a, caseworker, "Tran Thi Sample")
    older_similar = _person(agency_a, caseworker, "Tran Thi Sampel")
    newer_similar = _person(agency_a, caseworker, "Tran Thi Sampel")
    _person(agency_b, outsider, "Tran Thi Sampel")  # newest of all, and not theirs
    found = _people(login(caseworker), "Tran Thi Sample")
    assert found == [older_exact, older_similar, newer_similar]
    # The family name alone finds them all too, and the duplicate check as well.
    assert set(_people(login(caseworker), "Sample")) == {older_exact, older_similar, newer_similar}
    digests = selectors.lookup_digests(names=["Tran Thi Sampel"], date_of_birth=None, documents=[])
    duplicates = [person for person, _why in selectors.possible_duplicates(caseworker, digests)]
    assert set(duplicates) == {older_exact, older_similar, newer_similar}


def test_the_blocking_index_reads_the_phonetic_code_where_the_matcher_writes_it():
    migration = importlib.import_module("victims.migrations.0013_lookup_phonetic_blocking_index")
    assert f"SUBSTRING(digest, {matching.PHONETIC_START}, {matching.CODE_HEX})" in migration.CREATE
    token = matching.part_token("nguyen")
    start = matching.PHONETIC_START - 1
    assert token[start : start + matching.CODE_HEX] == matching.phonetic_code(token)


def test_text_with_a_space_is_never_looked_for_in_codes_and_references(login, caseworker, agency_a):
    person = _person(agency_a, caseworker, "Tran Thi Sample")
    code_start, code_rest = person.code[:5], person.code[5:]
    assert selectors.may_be_code(person.code.lower())
    assert not selectors.may_be_code(f"{code_start} {code_rest}")
    response = login(caseworker).get(URL, {"q": f"{code_start} {code_rest}"})
    assert response.context["rows"] == []
    assert list(response.context["cases"]) == []


@pytest.mark.parametrize(("holders", "matcher_runs"), [(3, False), (2, True)])
def test_the_matcher_runs_only_while_exact_matches_leave_room_in_the_ranking(
    login, caseworker, agency_a, monkeypatch, holders, matcher_runs
):
    """The matcher scores below every exact match: once more people hold the name
    exactly than are ranked, it could change nothing shown, and is not run. At exactly
    MAX_RESULTS exact matches it runs: a similar name is what says that more matched
    than are shown."""
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    exact = [_person(agency_a, caseworker, "Tran Thi Sample") for _ in range(holders)]
    _person(agency_a, caseworker, "Tran Thi Sampel")
    client = login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        found = _people(client, "Tran Thi Sample")
    assert found == exact[:2]
    assert any("SUBSTR" in q["sql"].upper() for q in queries.captured_queries) == matcher_runs
    assert "The best 2 matches are shown" in client.get(URL, {"q": "Tran Thi Sample"}).text
