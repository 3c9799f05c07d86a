"""Requests the sandbox keeps waiting until a test lets them go (the `held` triggers).

A streaming test needs an upstream answer that is still outstanding while it looks at what the
gateway has sent so far; a fixed delay would make that test slow or flaky, so the test decides.
"""

import threading

# Long enough for any test to release a request on purpose, short enough that a test which
# forgets to does not hang the suite.
HOLD_LIMIT_SECONDS = 60.0


class HeldRequests:
    """Counts the requests waiting in `wait` and lets them go on `release` or `stop`."""

    def __init__(self, limit_seconds: float = HOLD_LIMIT_SECONDS) -> None:
        self._limit_seconds = limit_seconds
        self._condition = threading.Condition()
        self._count = 0
        self._released = False
        self._stopping = False
        # Bumped by every release and stop: a request waiting at that moment goes even if the
        # flag is set back (`rearm`, `start`) before its thread gets to run again.
        self._wakeups = 0

    @property
    def count(self) -> int:
        """How many requests are waiting right now."""
        with self._condition:
            return self._count

    def wait(self) -> None:
        """Wait until released or stopping, or the limit has passed; at once if already so."""
        with self._condition:
            entered = self._wakeups
            self._count += 1
            try:
                self._condition.wait_for(
                    lambda: self._released or self._stopping or self._wakeups != entered,
                    timeout=self._limit_seconds,
                )
            finally:
                self._count -= 1

    def release(self) -> None:
        """Let every waiting request go, and every later one until `rearm`."""
        with self._condition:
            self._released = True
            self._wakeups += 1
            self._condition.notify_all()

    def rearm(self) -> None:
        """Hold later requests again; those already let go stay let go."""
        with self._condition:
            self._released = False

    def stop(self) -> None:
        """Let everything go while the server stops, so that no handler outlives it."""
        with self._condition:
            self._stopping = True
            self._wakeups += 1
            self._condition.notify_all()

    def start(self) -> None:
        with self._condition:
            self._stopping = False
