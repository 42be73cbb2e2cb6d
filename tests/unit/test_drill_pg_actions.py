"""The responder's cancel and terminate change the drill's PostgreSQL as they would a server's."""

from __future__ import annotations

from modulo_watch.collectors.drill import load_scenario
from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.models import PgBackend, PgSnapshot
from tests.fakes import EPOCH

AT = 6 * 60.0  # db-connections: the orders chain at its worst


def postgres(scenario: Scenario, at: float = AT) -> PgSnapshot:
    return scenario.postgres.snapshot(at, EPOCH)


def by_application(snapshot: PgSnapshot, application: str) -> list[PgBackend]:
    return [b for b in snapshot.backends if b.application == application]


def root_of_chain(snapshot: PgSnapshot) -> PgBackend:
    blockers = {pid for b in snapshot.backends for pid in b.blocked_by}
    [root] = [b for b in snapshot.backends if b.pid in blockers and not b.blocked_by]
    return root


def test_terminating_the_root_blocker_drains_its_whole_chain_from_then_on() -> None:
    scenario = load_scenario("db-connections")
    root = root_of_chain(postgres(scenario))

    assert scenario.act_on_backend(root.pid, terminate=True, at=AT, start=EPOCH)

    after = postgres(scenario, AT + 1)
    assert after.waiting == 0 and root.pid not in {b.pid for b in after.backends}
    assert root.pid in {b.pid for b in postgres(scenario, AT - 1).backends}, "the past is unchanged"


def test_cancelling_an_idle_transaction_stops_nothing() -> None:
    scenario = load_scenario("db-connections")
    before = postgres(scenario)
    root = root_of_chain(before)

    assert scenario.act_on_backend(root.pid, terminate=False, at=AT, start=EPOCH)

    assert postgres(scenario, AT + 1).waiting == before.waiting


def test_cancelling_the_queued_migration_frees_what_waited_only_on_it() -> None:
    scenario = load_scenario("db-connections")
    before = postgres(scenario)
    [migration] = by_application(before, "alembic")

    assert scenario.act_on_backend(migration.pid, terminate=False, at=AT, start=EPOCH)

    after = postgres(scenario, AT + 1)
    assert not by_application(after, "alembic")
    assert all(migration.pid not in b.blocked_by for b in after.backends), "the reads behind it went through"
    [index] = by_application(after, "psql")
    assert index.blocked_by == (root_of_chain(before).pid,), "the index build still waits on the archiver"


def test_a_backend_that_is_not_connected_is_not_acted_on() -> None:
    scenario = load_scenario("db-connections")

    assert not scenario.act_on_backend(1, terminate=True, at=AT, start=EPOCH)
    assert scenario.actions_taken == 0
