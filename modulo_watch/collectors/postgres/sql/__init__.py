"""The monitoring queries, one file each, chosen by server version in ``queries.py``."""
