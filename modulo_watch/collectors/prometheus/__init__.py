"""The live Prometheus source: the error-ratio series for the Error rate pane."""
