-- The standbys streaming from this server; PostgreSQL 12 to 17.
-- Without pg_monitor (or pg_read_all_stats) another role's walsender shows with its state, LSNs and
-- lags NULL. pg_current_wal_lsn() errors during recovery, so a cascading standby measures the
-- byte lag from what it has replayed itself.
-- pg_stat_replication joins every backend's activity: with 1,000 connections that costs milliseconds
-- each refresh, so the view is read only when there is a WAL sender at all (a one-time filter).
SELECT
    coalesce(r.application_name, '') AS name,
    coalesce(host(r.client_addr), CASE WHEN r.client_port = -1 THEN 'local' ELSE '' END) AS client,
    r.state,
    r.sync_state,
    extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds,
    pg_wal_lsn_diff(
        CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
        r.replay_lsn
    )::bigint AS replay_lag_bytes
FROM pg_stat_replication AS r
WHERE EXISTS (SELECT FROM pg_stat_get_wal_senders())
ORDER BY r.application_name, r.pid
