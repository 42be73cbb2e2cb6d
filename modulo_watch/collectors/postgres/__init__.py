"""The live PostgreSQL source: psycopg 3 async, read-only monitoring queries kept in ``sql/``."""
