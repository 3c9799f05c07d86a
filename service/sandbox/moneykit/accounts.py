"""What `GET /links/{id}/accounts` answers: a data set's accounts, as the SDK's models read them.

The SDK types balances as JSON numbers (`available`, `current`, `limit`), where the holdings
data sets mix numbers and decimal strings, so each amount is written as a number here, digit
for digit. The link carries the fields the SDK's `LinkCommon` requires beyond what the holdings
data sets give.
"""

from decimal import Decimal

from service.sandbox._json import JsonObject, JsonValue
from service.sandbox.moneykit.datasets import HoldingsDataset

_AMOUNTS = ("available", "current", "limit")
_LINK_DEFAULTS: JsonObject = {
    "institution_avatar": "https://static.moneykit.com/institutions/avatar.png",
    "webhook": None,
    "available_products": ["accounts", "investments"],
}


def accounts_body(dataset: HoldingsDataset) -> JsonObject:
    return {
        "accounts": [_account(account) for account in dataset.accounts],
        "link": {**_LINK_DEFAULTS, **dataset.link},
    }


def _account(account: JsonObject) -> JsonObject:
    balances = account.get("balances")
    return {
        "nickname": None,
        "original_id": None,
        "closed": False,
        **account,
        "balances": (
            {name: _as_number(name, value) for name, value in balances.items()}
            if isinstance(balances, dict)
            else {}
        ),
    }


def _as_number(name: str, value: JsonValue) -> JsonValue:
    if name in _AMOUNTS and isinstance(value, str):
        return Decimal(value)
    return value
