"""Live alerts: Alertmanager's v2 API (alerts; silences as acknowledgements), or Prometheus' own."""
