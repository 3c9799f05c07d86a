"""One page of the order list: the history filtered by `statuses` and `from`, from the cursor.

A cursor names the offset of the next page and the user it was given to, so one user's cursor
is refused for another. The last page answers the cursor it was sent (or, for a one-page list,
a cursor past the end, which answers an empty page): the document names no other end.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable

from service.sandbox._json import JsonObject
from service.sandbox.mesh.bodies import OrderListBody
from service.sandbox.mesh.orders import history

DEFAULT_COUNT = 100
MAX_COUNT = 250


def page_of(body: OrderListBody, current: Callable[[JsonObject], JsonObject]) -> JsonObject | None:
    """The page `body` asks for, each order as `current` says it stands; None for a cursor
    this user was not given."""
    everything = history(body.institution)
    orders = [current(order) for order in everything]
    if body.statuses:
        orders = [order for order in orders if order["status"] in body.statuses]
    if body.created_after is not None:
        after = body.created_after
        orders = [order for order in orders if _created(order) > after]
    owner = _owner(body)
    offset = 0
    if body.cursor is not None:
        read = _offset(body.cursor, owner)
        if read is None or read > len(orders):
            return None
        offset = read
    count = DEFAULT_COUNT if body.count < 1 else min(body.count, MAX_COUNT)
    end = offset + count
    if end < len(orders):
        cursor = _cursor(end, owner)
    else:
        cursor = body.cursor if body.cursor is not None else _cursor(len(orders), owner)
    return {
        "transactions": list(orders[offset:end]),
        "cursor": cursor,
        "total": len(orders),
        "earliestTimestamp": min(_created(order) for order in everything),
    }


def _created(order: JsonObject) -> int:
    created = order["createdTimestamp"]
    assert isinstance(created, int)
    return created


def _owner(body: OrderListBody) -> str:
    return hashlib.sha256(f"{body.auth_token}|{body.institution}".encode()).hexdigest()[:16]


def _cursor(offset: int, owner: str) -> str:
    text = json.dumps({"offset": offset, "owner": owner}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def _offset(cursor: str, owner: str) -> int | None:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        return None
    if not isinstance(decoded, dict) or decoded.get("owner") != owner:
        return None
    offset = decoded.get("offset")
    return offset if isinstance(offset, int) and offset >= 0 else None
