"""Benchmarks that print figures for modulo-watch; run each as a module from the repository root."""
