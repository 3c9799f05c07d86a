"""MoneyKit links as `GET /links/{id}` reports them, and the refreshes `POST /links/{id}/products`
asks for.

The SDK's `LinkCommon` is the link; its `products.investments` (a `LinkProductResponse`) says
when the investments data was last refreshed (`refreshed_at`), last attempted
(`last_attempted_at`) and why the last attempt failed (`error_code`, one of `LinkProductError`).
A refresh is asynchronous: the POST is answered 202 at once and the product changes later, so a
client learns the outcome by reading the link again.
"""

import copy
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.sandbox._json import JsonObject, JsonValue
from service.sandbox.moneykit import triggers

PRODUCTS = ("accounts", "account_numbers", "identity", "transactions", "investments", "enrichment")
"""The SDK's `Product` values, the only ones a refresh may name."""

_AVATAR = "https://cdn.moneykit.com/institutions/avatars/{}.png"
_FAILURES = {
    triggers.MONEYKIT_REFRESH_RATE_LIMIT: (
        "rate_limit",
        "The institution limits how often this link's investments can be refreshed.",
    ),
    triggers.MONEYKIT_REFRESH_AUTH_EXPIRED: (
        "auth_expired",
        "The link's authorization at the institution has expired.",
    ),
    triggers.MONEYKIT_REFRESH_NOT_SUPPORTED: (
        "not_supported",
        "The institution does not support refreshing investments.",
    ),
}


def timestamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Investments:
    """A link's investments product, as far as refreshes have changed it."""

    product: JsonObject
    completes_at: float | None = None
    """When (monotonic) a refresh under way completes; never, for `refresh_never`, is `inf`."""
    changed: bool = False
    """Whether a refresh was asked for: until then the data set's link is answered as it is."""


class Links:
    """Every link's investments refresh state, from the first time the link is touched until
    `reset`. Called from the server's handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._investments: dict[str, _Investments] = {}

    def reset(self) -> None:
        with self._lock:
            self._investments.clear()

    def link(self, link_id: str, dataset_link: JsonObject) -> JsonObject:
        """The whole link (`LinkCommon`) `link_id`, with `dataset_link`'s fields and its
        products as they are now."""
        link = self.overlaid(link_id, {**dataset_link, "link_id": link_id}, always=True)
        institution = str(link.get("institution_id") or "unknown")
        return {
            "institution_avatar": _AVATAR.format(institution),
            "available_products": list(PRODUCTS),
            "webhook": None,
            **link,
            "error_code": link.get("error_code"),
        }

    def overlaid(
        self, link_id: str, dataset_link: JsonObject, *, always: bool = False
    ) -> JsonObject:
        """`dataset_link` with link `link_id`'s investments product as refreshes left it;
        unchanged unless a refresh was asked for (or `always`), so a data set's body stays as
        it is written."""
        with self._lock:
            state = self._state(link_id, dataset_link)
            self._complete_if_due(state)
            if not (always or state.changed):
                return dataset_link
            products = dict(_products(dataset_link))
            products["investments"] = copy.deepcopy(state.product)
        return {**dataset_link, "products": products}

    def refresh(self, link_id: str, dataset_link: JsonObject, products: list[str]) -> None:
        """Start a refresh of `products`; only the investments product is simulated."""
        if "investments" not in products:
            return
        now = datetime.now(UTC)
        with self._lock:
            state = self._state(link_id, dataset_link)
            state.changed = True
            state.product["last_attempted_at"] = timestamp(now)
            failure = _FAILURES.get(link_id)
            if failure is not None:
                state.product["error_code"], state.product["error_message"] = failure
                return
            state.product["error_code"] = state.product["error_message"] = None
            delay = {
                triggers.MONEYKIT_REFRESH_SLOW: triggers.REFRESH_SLOW_SECONDS,
                triggers.MONEYKIT_REFRESH_NEVER: float("inf"),
            }.get(link_id, 0.0)
            state.completes_at = time.monotonic() + delay
            self._complete_if_due(state)

    def _state(self, link_id: str, dataset_link: JsonObject) -> _Investments:
        state = self._investments.get(link_id)
        if state is None:
            product = _products(dataset_link).get("investments")
            initial: JsonObject = (
                copy.deepcopy(product)
                if isinstance(product, dict)
                else {"refreshed_at": None, "last_attempted_at": None}
            )
            if link_id == triggers.MONEYKIT_FRESH:
                recent = timestamp(
                    datetime.now(UTC) - timedelta(seconds=triggers.FRESH_AGE_SECONDS)
                )
                initial["refreshed_at"] = initial["last_attempted_at"] = recent
            initial.setdefault("error_code", None)
            initial.setdefault("error_message", None)
            # A fresh link's holdings report its recent refresh too.
            state = self._investments[link_id] = _Investments(
                initial, changed=link_id == triggers.MONEYKIT_FRESH
            )
        return state

    @staticmethod
    def _complete_if_due(state: _Investments) -> None:
        if state.completes_at is not None and time.monotonic() >= state.completes_at:
            now = timestamp(datetime.now(UTC))
            state.product["refreshed_at"] = state.product["last_attempted_at"] = now
            state.completes_at = None


def _products(link: JsonObject) -> dict[str, JsonValue]:
    products = link.get("products")
    return products if isinstance(products, dict) else {}
