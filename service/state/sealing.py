"""Values of shared state, sealed with AES-GCM before they leave the process."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class Sealer:
    """Encrypts and authenticates values with AES-256-GCM under one key (derived from the
    state secret); the state key is the associated data, so a value copied to another key
    does not open."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, state_key: str) -> bytes:
        # A random 96-bit nonce per value: far below the 2^32 values per key where random
        # nonces would start to risk a collision.
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, state_key.encode())

    def open(self, sealed: bytes, state_key: str) -> bytes | None:
        """The plaintext, or None when the value was sealed under another key (the state
        secret changed) or altered."""
        if len(sealed) < _NONCE_BYTES:
            return None
        try:
            return self._aead.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], state_key.encode()
            )
        except InvalidTag:
            return None
