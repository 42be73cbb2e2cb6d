"""The monitoring connection's options, and errors that never carry the password."""

from __future__ import annotations

import pytest

from modulo_watch.collectors.postgres.connection import PgConnection, session_options
from modulo_watch.collectors.postgres.detail import PostgresError
from modulo_watch.config import PostgresSettings


def test_the_timeouts_bound_every_statement_and_lock_wait() -> None:
    options = session_options(PostgresSettings(statement_timeout_ms=750), None)
    assert options == "-c statement_timeout=750 -c lock_timeout=750"


def test_the_users_own_options_are_kept_and_ours_come_last_to_win() -> None:
    options = session_options(PostgresSettings(), "-c search_path=app -c statement_timeout=0")
    assert options == "-c search_path=app -c statement_timeout=0 -c statement_timeout=500 -c lock_timeout=500"


@pytest.mark.parametrize(
    ("dsn", "secrets"),
    [
        ("host=db user=watch password=s3cr3t-pw", ["s3cr3t-pw"]),
        ("host=db user=watch password='quoted pw'", ["quoted pw"]),
        ("postgresql://watch:p%40ss-word@db:5432/app", ["p@ss-word", "p%40ss-word"]),
    ],
)
def test_an_error_quoting_the_password_is_redacted(dsn: str, secrets: list[str]) -> None:
    connection = PgConnection(PostgresSettings(dsn=dsn))
    quoted = " and ".join(secrets)
    message = str(connection.error(RuntimeError(f"failed for {dsn}: {quoted} password=other")))
    for secret in [*secrets, "other"]:
        assert secret not in message
    assert "***" in message


def test_pgpassword_from_the_environment_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "from-the-env")
    connection = PgConnection(PostgresSettings(dsn="host=db"))
    assert "from-the-env" not in str(connection.error(RuntimeError("echo from-the-env")))


async def test_an_unparseable_dsn_is_reported_without_quoting_it() -> None:
    connection = PgConnection(PostgresSettings(dsn="host=db password hunter2"))
    with pytest.raises(PostgresError) as failure:
        await connection.session()
    assert "hunter2" not in str(failure.value)
    assert "cannot be parsed" in str(failure.value)
