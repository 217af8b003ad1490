"""Liveness, readiness, detailed health and Prometheus metrics (all public)."""
