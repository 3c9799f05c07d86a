"""The RPC edge: the servicer, the boundary every call passes (authorization, deadline, one log
line, metrics) and the one place where gateway errors become gRPC statuses.

Only the process package imports from here; the edge imports the providers, the portfolio and
the core, and nothing below it knows about gRPC servicing.
"""
