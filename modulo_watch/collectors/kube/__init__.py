"""The Kubernetes source."""
