-- End a backend's session, only if the pid still belongs to the backend the responder chose.
SELECT pg_terminate_backend(a.pid) AS signalled
FROM pg_stat_activity AS a
WHERE a.pid = %(pid)s AND a.backend_start IS NOT DISTINCT FROM %(backend_start)s
