-- What the overview needs once per connection: neither changes without a restart, which drops it.
SELECT
    current_setting('server_version') AS server_version,
    current_setting('max_connections')::int AS max_connections
