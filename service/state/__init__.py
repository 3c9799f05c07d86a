"""Shared state: what replicas of the gateway must agree on, in one backend chosen by settings.

`StateBackend` is the protocol (token buckets, sliding windows of call times, claim-once values,
values with a lifetime); `InProcessState` keeps them in the process (one replica, `make run`),
`RedisState` in Redis, so that every replica sees the same (`open_state` picks one from the
settings). Keys are keyed digests (`KeyedDigests`, HMAC with a key derived from
`AGGREGATOR_STATE_SECRET`), never raw tokens, and values are sealed (`Sealer`, AES-GCM) by
their users before they are stored. `ReadCache` keeps answers of reads callers asked with a
`max_age` there.

It imports only `service.config`, `service.core` and `service.observability`; the auth package
(rate limits), the providers' call limits (their documented limits), the RPC edge (idempotent
cancels, cached reads), the portfolio (cached entries) and the process (which opens it) import
it.
"""

from service.state.backend import StateBackend
from service.state.keys import KeyedDigests
from service.state.memory import InProcessState
from service.state.opening import open_state
from service.state.read_cache import ReadCache
from service.state.redis_backend import RedisState
from service.state.sealing import Sealer
from service.state.windows import SlidingWindows, WindowRefusal, WindowSlot

__all__ = [
    "InProcessState",
    "KeyedDigests",
    "ReadCache",
    "RedisState",
    "Sealer",
    "SlidingWindows",
    "StateBackend",
    "WindowRefusal",
    "WindowSlot",
    "open_state",
]
