-- The size of every database the role may measure; PostgreSQL 12 to 17.
-- pg_database_size stats every file of a database, so the monitor runs this less often than the rest.
-- It needs CONNECT on the database or pg_read_all_stats (in pg_monitor): without either the size is
-- NULL, shown as unknown, rather than an error that would lose the whole refresh.
SELECT
    d.oid AS datid,
    d.datname AS name,
    CASE
        WHEN has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
            THEN pg_database_size(d.oid)
    END AS size_bytes
FROM pg_database AS d
WHERE d.datallowconn AND NOT d.datistemplate
ORDER BY d.datname
