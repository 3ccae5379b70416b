"""Operating opencfw: Prometheus metrics, structured logs, and the per-request hook of the API."""
