-- What the overview needs once per connection: none of these changes without a restart, which drops it.
SELECT
    current_setting('server_version') AS server_version,
    current_setting('max_connections')::int AS max_connections,
    pg_postmaster_start_time() AS started_at
