"""The gateway's core types: its error tree, the upstream envelope, exact decimals, request
validation, shared conversions and the per-RPC context.

Everything else may import from here; nothing here imports from any other part of the gateway.
"""
