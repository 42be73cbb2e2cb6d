"""The live Prometheus source: the error ratio, latency and request-rate series for the Error rate pane."""
