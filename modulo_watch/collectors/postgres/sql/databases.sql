-- Cumulative counters per database (the row with datid 0 is the shared catalogs'); PostgreSQL 12 to 17.
-- Readable by any role. The monitor turns them into rates from one refresh to the next.
SELECT
    s.datid,
    s.xact_commit,
    s.xact_rollback,
    s.blks_hit,
    s.blks_read,
    s.deadlocks,
    s.temp_files,
    s.temp_bytes,
    s.stats_reset
FROM pg_stat_database AS s
