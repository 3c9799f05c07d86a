"""Short-lived OAuth access tokens, as MoneyKit's /auth/token issues them."""

import enum
import math
import secrets
import threading
import time


class TokenState(enum.Enum):
    VALID = enum.auto()
    EXPIRED = enum.auto()
    UNKNOWN = enum.auto()


class TokenIssuer:
    def __init__(self, lifetime_seconds: int) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._lock = threading.Lock()
        self._expiry_by_token: dict[str, float] = {}

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry_by_token[token] = time.monotonic() + self.lifetime_seconds
        return token

    def state(self, token: str) -> TokenState:
        with self._lock:
            expiry = self._expiry_by_token.get(token)
        if expiry is None:
            return TokenState.UNKNOWN
        return TokenState.VALID if time.monotonic() < expiry else TokenState.EXPIRED

    def expire_all(self) -> None:
        """Expire every token issued so far; tokens issued later live their full lifetime."""
        with self._lock:
            for token in self._expiry_by_token:
                self._expiry_by_token[token] = -math.inf
