"""Keys of shared state: keyed digests of what they stand for, never the values themselves."""

from __future__ import annotations

import hashlib
import hmac


class KeyedDigests:
    """HMAC-SHA256 digests under one key (derived from the state secret), as state keys.

    Tokens, connections and caller-chosen ids are digested, never stored: a key read out of
    Redis says nothing about what it stands for without the secret.
    """

    PREFIX = "aggregator:"

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("a digest key needs at least 32 bytes")
        self._key = key

    def digest(self, *parts: bytes) -> bytes:
        """The digest of `parts`, each length-prefixed so that no two lists of parts collide."""
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.digest()

    def state_key(self, kind: str, *parts: bytes) -> str:
        """The state key of `parts` in the namespace `kind` (`rate`, `cancel`)."""
        return f"{self.PREFIX}{kind}:{self.digest(kind.encode(), *parts).hex()}"
