-- Client backends (what max_connections counts), without the monitor's own; PostgreSQL 12 to 17.
-- Without pg_monitor (or pg_read_all_stats) another user's backend_type reads NULL: a backend
-- with a database and a user is then counted as a client, its hidden columns left empty.
-- pg_blocking_pids briefly locks the lock manager, so it runs only for backends waiting on a lock.
SELECT
    a.pid,
    coalesce(a.datname, '') AS database,
    coalesce(a.usename, '') AS username,
    coalesce(a.application_name, '') AS application,
    coalesce(host(a.client_addr), CASE WHEN a.client_port = -1 THEN 'local' ELSE '' END) AS client,
    coalesce(a.state, '') AS state,
    coalesce(a.query, '') AS query,
    a.query_start,
    a.xact_start,
    a.backend_start,
    coalesce(a.wait_event_type, '') AS wait_event_type,
    coalesce(a.wait_event, '') AS wait_event,
    CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) ELSE '{}' END AS blocked_by,
    coalesce(a.backend_xid::text, '') AS xid,
    coalesce(a.backend_xmin::text, '') AS xmin
FROM pg_stat_activity AS a
WHERE coalesce(a.backend_type = 'client backend', a.datid IS NOT NULL AND a.usesysid IS NOT NULL)
    AND a.pid <> pg_backend_pid()
ORDER BY a.pid
