"""modulo-watch: a terminal war-room dashboard for incident responders."""

__version__ = "0.1.0"
