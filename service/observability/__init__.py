"""What the gateway tells its operators: logs (JSON or text), Prometheus metrics,
OpenTelemetry tracing, and the redaction that keeps secrets out of all three.

Any part of the gateway may import from here; this package imports only the core.
"""
