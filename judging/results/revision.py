"""A round's results revision: a counter the database moves whenever a fact its ranking reads changes.

The stored ranking (``judging.results.rankings``) is current when its key matches the round's
state now. Deriving that state from the facts on every read (an aggregate over the round's
300,000 counted scores, its 100,000 entries and the jury's conflicts) cost 120 ms a page at
100,000 entries; this counter costs one primary-key lookup. It is moved by database triggers,
not by the services, because the facts change through paths no service sees: cascades (a judge
removed from the jury deletes their scores, a user deleted deletes their memberships), the
admin, a credit edited in ``submissions`` that makes a conflict in ``judging``, a judge who
renames themself. A trigger fires for all of them, on every host, in the writer's transaction,
so the counter and the change it stands for become visible together.

What moves a round's revision (the inputs of ``ranking_state_key`` before it, one by one):

- a score of the round inserted, updated or deleted while it is (or was) submitted (a judge's
  draft autosaves leave it alone);
- an entry put in or taken out of the round;
- the state, entrant or category of a submission the round holds, assigns or has scores of
  (withdrawal, disqualification, reinstatement: the entries that left; categories: the
  calibration's groups);
- a credit (a credit naming a judge makes a conflict) or a declared AI use (the entry's AI
  level) of an entry the round holds;
- a criterion of the round's rubric (its weights and scales set the calibration's resolution);
- a declaration or a waiver of a judge, a judge added, changed or removed, or a judge's name
  (the conflicts of every round of the judge's edition).

PostgreSQL runs one statement-level trigger per table and event over its transition tables (a
bulk insert of 300,000 scores moves each round's counter once, not 300,000 times on one row);
SQLite (the embedded default) runs row-level triggers. Every round touched is moved by an
upsert in round order, so concurrent writers queue on the counter row instead of losing an
increment. The rows have no foreign key: a round deleted with its scores would otherwise see
its cascade re-create the revision of a round that is gone.

The triggers are (re)installed after every ``migrate`` (``JudgingConfig.ready``), so a test
database built without migrations has them too, and changing this module changes them.
"""

# ruff: noqa: S608  (trigger DDL built from model metadata and constants: no input reaches it)
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from festival.models import JudgeMembership, User
from judging.models import (
    Assignment,
    ConflictWaiver,
    Criterion,
    DeclaredConflict,
    Round,
    RoundEntry,
    RoundRevision,
    Score,
    ScoreState,
)
from submissions.models import AIUse, Credit, Submission

PREFIX = "laurel_round_revision"


def _t(model: type[Any]) -> str:
    return str(model._meta.db_table)


@dataclass(frozen=True)
class Source:
    """A table whose changes move revisions, and which rounds a set of its rows touches.

    ``rounds`` selects the ids of the rounds touched by the rows of ``{rows}`` (a relation with
    ``columns``); ``changed``, on an update, is the condition on the old row ``{o}`` and the new
    row ``{n}`` under which the update matters (empty: every update does).
    """

    model: type[Any]
    columns: tuple[str, ...]
    rounds: str
    changed: str = ""
    events: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")

    @property
    def table(self) -> str:
        return _t(self.model)


_SUBMITTED = ScoreState.SUBMITTED.value
# The rounds of the editions of the judges in {rows} (their conflicts apply in every round).
_ROUNDS_OF_JUDGES = (
    f"SELECT rd.id AS round_id FROM {_t(Round)} rd JOIN {_t(JudgeMembership)} j ON j.edition_id = rd.edition_id "
    "WHERE j.id IN (SELECT r.judge_id FROM {rows} r)"
)

SOURCES: tuple[Source, ...] = (
    Source(
        Score,
        ("round_id", "state"),
        f"SELECT r.round_id AS round_id FROM {{rows}} r WHERE r.state = '{_SUBMITTED}'",
        changed=f"{{o}}.state = '{_SUBMITTED}' OR {{n}}.state = '{_SUBMITTED}'",
    ),
    Source(RoundEntry, ("round_id",), "SELECT r.round_id AS round_id FROM {rows} r"),
    # Withdrawn, disqualified or reinstated (the rounds that hold, assign or scored the entry),
    # or moved to another category (the calibration's groups).
    Source(
        Submission,
        ("id", "state", "entrant_id", "category_id"),
        " UNION ".join(
            f"SELECT x.round_id AS round_id FROM {_t(model)} x WHERE x.submission_id IN (SELECT r.id FROM {{rows}} r)"
            for model in (RoundEntry, Assignment, Score)
        ),
        changed=" OR ".join(f"{{o}}.{c} IS DISTINCT FROM {{n}}.{c}" for c in ("state", "entrant_id", "category_id")),
        events=("UPDATE",),
    ),
    # A credit naming a judge makes a conflict; the declared AI use sets the entry's AI level.
    *(
        Source(
            model,
            ("submission_id",),
            f"SELECT x.round_id AS round_id FROM {_t(RoundEntry)} x "
            "WHERE x.submission_id IN (SELECT r.submission_id FROM {rows} r)",
        )
        for model in (Credit, AIUse)
    ),
    # The rubric's weights and scales set the calibration's resolution.
    Source(Criterion, ("round_id",), "SELECT r.round_id AS round_id FROM {rows} r"),
    Source(DeclaredConflict, ("judge_id",), _ROUNDS_OF_JUDGES),
    Source(ConflictWaiver, ("judge_id",), _ROUNDS_OF_JUDGES),
    Source(
        JudgeMembership,
        ("edition_id",),
        f"SELECT rd.id AS round_id FROM {_t(Round)} rd WHERE rd.edition_id IN (SELECT r.edition_id FROM {{rows}} r)",
    ),
    # A judge's own name is a conflict when a credit carries it.
    Source(
        User,
        ("id", "full_name"),
        f"SELECT rd.id AS round_id FROM {_t(Round)} rd JOIN {_t(JudgeMembership)} j ON j.edition_id = rd.edition_id "
        "WHERE j.user_id IN (SELECT r.id FROM {rows} r)",
        changed="{o}.full_name IS DISTINCT FROM {n}.full_name",
        events=("UPDATE",),
    ),
)

_REVISIONS = _t(RoundRevision)


def _bump(rounds: str) -> str:
    """Move the revision of every round ``rounds`` selects (as ``round_id``) by one, in round order.

    The ``WHERE`` also tells SQLite's parser that ``ON CONFLICT`` is the upsert's, not a join's.
    """
    return (
        f"INSERT INTO {_REVISIONS} (round_id, revision) "
        f"SELECT DISTINCT touched.round_id, 1 FROM ({rounds}) AS touched "
        "WHERE touched.round_id IS NOT NULL ORDER BY touched.round_id "
        f"ON CONFLICT (round_id) DO UPDATE SET revision = {_REVISIONS}.revision + 1"
    )


def _row(source: Source, alias: str) -> str:
    """The columns ``rounds`` reads, of the row (or rows) ``alias`` names."""
    return "SELECT " + ", ".join(f"{alias}.{column} AS {column}" for column in source.columns)


def _postgresql(source: Source) -> list[str]:
    function = f"{PREFIX}_{source.table}"
    changed = source.changed.format(o="o", n="n") or "TRUE"
    # An update touches the rounds of the row before and after it (a score reopened was counted).
    pairs = f"FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}"
    updated = f"{_row(source, 'n')} {pairs} UNION ALL {_row(source, 'o')} {pairs}"
    branches = {
        "INSERT": _bump(source.rounds.format(rows="new_rows")),
        "DELETE": _bump(source.rounds.format(rows="old_rows")),
        "UPDATE": _bump(source.rounds.format(rows=f"({updated})")),
    }
    body = " ".join(f"IF TG_OP = '{event}' THEN {branches[event]}; END IF;" for event in source.events)
    statements = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN NULL; END $$"
    ]
    transition = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
    }
    for event in source.events:
        trigger = f"{PREFIX}_{event.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger} ON {source.table}",
            f"CREATE TRIGGER {trigger} AFTER {event} ON {source.table} REFERENCING {transition[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    return statements


def _sqlite(source: Source) -> list[str]:
    relations = {
        "INSERT": f"({_row(source, 'NEW')})",
        "DELETE": f"({_row(source, 'OLD')})",
        "UPDATE": f"({_row(source, 'NEW')} UNION ALL {_row(source, 'OLD')})",
    }
    statements = []
    for event in source.events:
        trigger = f"{PREFIX}_{source.table}_{event.lower()}"
        when = f" WHEN {source.changed.format(o='OLD', n='NEW')}" if event == "UPDATE" and source.changed else ""
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger}",
            f"CREATE TRIGGER {trigger} AFTER {event} ON {source.table} FOR EACH ROW{when} "
            f"BEGIN {_bump(source.rounds.format(rows=relations[event]))}; END",
        ]
    return statements


def trigger_statements(vendor: str) -> list[str]:
    build = {"postgresql": _postgresql, "sqlite": _sqlite}[vendor]
    return [statement for source in SOURCES for statement in build(source)]


def install_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) every revision trigger on ``connection``'s database."""
    with connection.cursor() as cursor:
        for statement in trigger_statements(connection.vendor):
            cursor.execute(statement)


def round_revision(round_: Round) -> int:
    """How many times the facts the round's ranking reads have changed (0: never)."""
    revision = RoundRevision.objects.filter(round_id=round_.pk).values_list("revision", flat=True).first()
    return int(revision or 0)
