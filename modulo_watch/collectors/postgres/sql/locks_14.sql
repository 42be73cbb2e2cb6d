-- The locks one backend holds or waits for, waits first; PostgreSQL 14 to 17.
-- A relation is named only in the database this connection is in: elsewhere its oid means nothing here.
SELECT
    l.locktype,
    coalesce(l.mode, '') AS mode,
    l.granted,
    CASE WHEN l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        THEN l.relation::regclass::text ELSE l.relation::text END AS relation,
    l.page,
    l.tuple,
    coalesce(l.transactionid::text, '') AS transactionid,
    coalesce(l.virtualxid, '') AS virtualxid,
    l.waitstart
FROM pg_locks AS l
WHERE l.pid = %(pid)s
ORDER BY l.granted, l.locktype, l.relation
