"""The server's life as a process: building and starting the gRPC server, TLS, worker processes
sharing one port, and graceful stop.

Only `service.__main__` and the tests import from here; this is the one place that wires every
other package together.
"""
