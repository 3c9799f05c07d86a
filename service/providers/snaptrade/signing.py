"""SnapTrade's request signature, as its documentation defines it.

The signed text is the canonical JSON (keys sorted at every level, no whitespace) of
`{"content": <the JSON body, or null>, "path": <the URL path>, "query": <the raw query string
as sent>}`; the `Signature` header is the base64 of its HMAC-SHA256 under the consumer key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json


def canonical_text(body: bytes | None, path: str, query: str) -> str:
    # The gateway's bodies hold only strings (an order id), so no number is re-encoded here;
    # non-ASCII text is escaped, as the official SDKs' JSON encoders do by default.
    content = json.loads(body) if body else None
    return json.dumps(
        {"content": content, "path": path, "query": query}, separators=(",", ":"), sort_keys=True
    )


def signature(consumer_key: str, body: bytes | None, path: str, query: str) -> str:
    digest = hmac.new(
        consumer_key.encode(), canonical_text(body, path, query).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()
