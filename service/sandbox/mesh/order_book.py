"""What the sandbox's cancels do to the orders they name, as the details and list endpoints
then report them.

A cancel of a pending order makes it `cancelled` at once, except under the triggers that
simulate a slow or a stuck institution (see `triggers`). Cancels are remembered per user,
institution and order until the sandbox is reset.
"""

import threading
import time
from collections.abc import Callable

from service.sandbox._json import JsonObject
from service.sandbox.mesh import triggers

_NEVER_SETTLE = frozenset({triggers.MESH_CANCEL_LOST_IN_PROGRESS, triggers.MESH_ORDER_IN_PROGRESS})


class OrderBook:
    def __init__(self, settle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._settle_seconds = settle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cancels: dict[tuple[str, str, str], tuple[float, int]] = {}
        """When each order was cancelled: on the clock, and in Unix seconds."""

    def record_cancel(self, auth_token: str, institution: str, order_id: str) -> None:
        with self._lock:
            self._cancels.setdefault(
                (auth_token, institution, order_id), (self._clock(), int(time.time()))
            )

    def reset(self) -> None:
        with self._lock:
            self._cancels.clear()

    def current(self, order: JsonObject, auth_token: str, institution: str) -> JsonObject:
        """`order` as it stands now, after any cancel of it has taken effect."""
        if order["status"] != "inProgress" or auth_token in _NEVER_SETTLE:
            return order
        with self._lock:
            cancel = self._cancels.get((auth_token, institution, str(order["id"])))
        if cancel is None:
            return order
        cancelled_at, unix_seconds = cancel
        delay = self._settle_seconds if auth_token == triggers.MESH_CANCEL_LOST else 0.0
        if self._clock() < cancelled_at + delay:
            return order
        return {**order, "status": "cancelled", "updatedTimestamp": unix_seconds}
