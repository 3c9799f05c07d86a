"""SnapTrade's request signature, checked as SnapTrade's documentation defines it: the base64
HMAC-SHA256, under the consumer key, of the canonical JSON (keys sorted, no whitespace) of the
request's JSON body (null when it has none), its path and its raw query string."""

import base64
import hashlib
import hmac
import json


def expected_signature(consumer_key: bytes, path: str, query: str, body: bytes) -> str:
    content = json.loads(body) if body else None
    text = json.dumps(
        {"content": content, "path": path, "query": query}, separators=(",", ":"), sort_keys=True
    )
    return base64.b64encode(hmac.new(consumer_key, text.encode(), hashlib.sha256).digest()).decode()


def signature_matches(consumer_key: bytes, path: str, query: str, body: bytes, sent: str) -> bool:
    try:
        expected = expected_signature(consumer_key, path, query, body)
    except ValueError:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())
