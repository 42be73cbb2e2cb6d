-- Whether this server is a standby, and if so how far behind its primary it replays; PostgreSQL 12 to 17.
-- Per refresh, since a promotion changes it without dropping the connection. A standby that has
-- replayed all it received is not behind, however old its last replayed transaction (an idle primary).
SELECT
    pg_is_in_recovery() AS in_recovery,
    CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0
        ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
    END AS standby_delay_seconds
