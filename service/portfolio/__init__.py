"""Portfolios: many connections of any providers in one call, each with its own outcome, and the
merged view (positions across connections, totals per currency).

The RPC edge imports from here; this package uses the providers' registry, the read cache of
the shared state and the core.
"""
