"""Caller authentication and authorization: API keys or client certificates, per-RPC
permissions, and per-caller rate limits.

`load_callers` reads the callers file into a `CallerRegistry`; an `Authorizer` over that
registry decides each call (see `service.auth.authorizer` for the rules).
"""

from service.auth.authorizer import ANONYMOUS, Authorizer
from service.auth.callers import Caller, CallerRegistry, CallersFileError, load_callers
from service.auth.rate_limit import CallerRateLimits, TokenBucket

__all__ = [
    "ANONYMOUS",
    "Authorizer",
    "Caller",
    "CallerRateLimits",
    "CallerRegistry",
    "CallersFileError",
    "TokenBucket",
    "load_callers",
]
