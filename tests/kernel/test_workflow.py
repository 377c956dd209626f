"""workflow: a status graph as data, and `move`, its one writer (history and audit rows)."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection

from audit.models import AuditEvent
from cases.models import TRACK_GRAPHS, Case, IdentificationStatus, Track, TrackTransition
from tests.factories import CaseFactory
from workflow import Graph, TransitionError, TransitionRecord, move

_I = IdentificationStatus

IDENTIFICATION = Graph.build(
    "identification",
    "identification_status",
    TRACK_GRAPHS[Track.IDENTIFICATION].edges,
    guarded={_I.IDENTIFIED, _I.NOT_IDENTIFIED},
)

TRAFFIC_LIGHT = Graph.build(
    "light", "colour", {"green": {"amber"}, "amber": {"red", "green"}, "red": set()}
)


# --- the graph as data -------------------------------------------------------------------


def test_graph_allows_only_its_edges():
    assert TRAFFIC_LIGHT.allows("green", "amber")
    assert not TRAFFIC_LIGHT.allows("green", "red")
    assert not TRAFFIC_LIGHT.allows("red", "green")
    assert not TRAFFIC_LIGHT.allows("green", "green")
    assert not TRAFFIC_LIGHT.allows("purple", "green")


def test_graph_lists_states_and_next_states_in_declaration_order():
    assert TRAFFIC_LIGHT.states() == ["green", "amber", "red"]
    assert TRAFFIC_LIGHT.next_states("amber") == ["green", "red"]
    assert TRAFFIC_LIGHT.next_states("red") == []
    assert TRAFFIC_LIGHT.next_states("purple") == []


def test_graph_pairs_cover_every_from_and_to_including_staying_put():
    pairs = list(TRAFFIC_LIGHT.pairs())
    assert len(pairs) == len(set(pairs)) == 9
    assert ("red", "red") in pairs
    assert sum(TRAFFIC_LIGHT.allows(src, dst) for src, dst in pairs) == 3


def test_graph_is_frozen():
    with pytest.raises(TypeError):
        TRAFFIC_LIGHT.edges["red"] = frozenset({"green"})  # type: ignore[index]
    assert isinstance(TRAFFIC_LIGHT.edges["green"], frozenset)


def test_graph_refuses_a_target_that_is_not_a_state():
    with pytest.raises(ValueError, match="purple"):
        Graph.build("bad", "colour", {"green": {"purple"}})
    with pytest.raises(ValueError, match="blue"):
        Graph.build("bad", "colour", {"green": set()}, guarded={"blue"})


def test_graph_built_from_choices_holds_plain_strings():
    assert IDENTIFICATION.states()[0] == "not_screened"
    assert type(IDENTIFICATION.states()[0]) is str
    assert IDENTIFICATION.guarded == frozenset({"identified", "not_identified"})


def test_transition_record_is_an_abstract_history_table():
    assert TransitionRecord._meta.abstract
    names = {field.name for field in TransitionRecord._meta.fields}
    assert names == {"from_status", "to_status", "actor", "note", "occurred_at"}
    assert TransitionRecord._meta.ordering == ["-occurred_at", "-pk"]


def test_track_transition_fields_match_the_abstract_history_table():
    # cases.TrackTransition is to subclass TransitionRecord without a schema change.
    for field in TransitionRecord._meta.fields:
        theirs = TrackTransition._meta.get_field(field.name)
        assert field.deconstruct()[1:] == theirs.deconstruct()[1:], field.name


# --- move: the one writer ----------------------------------------------------------------


@pytest.fixture
def case(agency_a, caseworker) -> Case:
    """A case of agency A assigned to `caseworker`, at the start of every track."""
    return CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])


def _put_in_state(case: Case, status: str) -> None:
    # Test set-up only: place the case in a state without walking the graph.
    Case.objects.filter(pk=case.pk).update(identification_status=status)
    case.identification_status = status


def _move(case: Case, to: str, actor, **kwargs) -> TrackTransition:
    return move(
        case,
        IDENTIFICATION,
        to,
        actor=actor,
        history=TrackTransition,
        link="case",
        extra={"track": Track.IDENTIFICATION},
        **kwargs,
    )


@pytest.mark.parametrize(("from_status", "to_status"), list(IDENTIFICATION.pairs()))
def test_every_pair_moves_only_when_the_graph_allows_it(case, caseworker, from_status, to_status):
    _put_in_state(case, from_status)
    if IDENTIFICATION.allows(from_status, to_status):
        record = _move(case, to_status, caseworker, guard_ok=True)
        assert (record.from_status, record.to_status) == (from_status, to_status)
        case.refresh_from_db()
        assert case.identification_status == to_status
    else:
        with pytest.raises(TransitionError):
            _move(case, to_status, caseworker, guard_ok=True)
        case.refresh_from_db()
        assert case.identification_status == from_status
        assert not TrackTransition.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).exists()


def test_move_writes_the_history_row_with_its_extra_fields(case, caseworker):
    record = _move(case, _I.SCREENING, caseworker, note="First interview")
    assert record == TrackTransition.objects.get()
    assert record.case_id == case.pk
    assert record.track == Track.IDENTIFICATION
    assert (record.actor, record.note) == (caseworker, "First interview")


def test_move_writes_one_audit_row_in_the_same_transaction(case, caseworker):
    _move(case, _I.SCREENING, caseworker)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        AuditEvent.Action.TRANSITION,
        caseworker,
        "cases.case",
        str(case.pk),
    )


def test_move_bumps_the_version_and_names_the_editor_on_the_callers_instance(
    case, caseworker, supervisor
):
    case.updated_by = supervisor
    _move(case, _I.SCREENING, caseworker)
    assert (case.identification_status, case.version, case.updated_by) == (
        _I.SCREENING,
        2,
        caseworker,
    )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.version, stored.updated_by) == (2, caseworker)


def test_move_starts_from_the_stored_state_not_the_callers_copy(case, caseworker):
    stale_copy = Case.objects.get(pk=case.pk)
    _move(case, _I.SCREENING, caseworker)
    with pytest.raises(TransitionError):
        _move(stale_copy, _I.SCREENING, caseworker)
    assert TrackTransition.objects.count() == 1


def test_guarded_target_needs_a_recorded_decision(case, caseworker):
    _put_in_state(case, _I.AWAITING_DECISION)
    with pytest.raises(TransitionError, match="recorded decision"):
        _move(case, _I.IDENTIFIED, caseworker)
    assert not TrackTransition.objects.exists()
    record = _move(case, _I.IDENTIFIED, caseworker, guard_ok=True)
    assert record.to_status == _I.IDENTIFIED


def test_refusal_names_both_states_by_their_labels(case, caseworker):
    with pytest.raises(TransitionError) as refused:
        _move(case, _I.IDENTIFIED, caseworker, guard_ok=True)
    assert str(refused.value) == "Identification cannot move from “Not screened” to “Identified”."


def test_a_failing_audit_write_rolls_the_move_back(case, caseworker):
    def refuse_audit(execute, sql, params, many, context):
        if "audit_auditevent" in sql and sql.lstrip().upper().startswith("INSERT"):
            raise DatabaseError("audit unavailable")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_audit), pytest.raises(DatabaseError):
        _move(case, _I.SCREENING, caseworker)
    case.refresh_from_db()
    assert (case.identification_status, case.version) == (_I.NOT_SCREENED, 1)
    assert not TrackTransition.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_from_the_same_state_leave_exactly_one(case, caseworker, supervisor):
    barrier = threading.Barrier(2)
    refused: list[Exception] = []
    unexpected: list[Exception] = []

    def screen(actor) -> None:
        try:
            barrier.wait()
            _move(Case.objects.get(pk=case.pk), _I.SCREENING, actor)
        except TransitionError as error:
            refused.append(error)
        except Exception as error:
            unexpected.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=screen, args=(user,)) for user in (caseworker, supervisor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert len(refused) == 1
    case.refresh_from_db()
    assert (case.identification_status, case.version) == (_I.SCREENING, 2)
    assert TrackTransition.objects.count() == 1
